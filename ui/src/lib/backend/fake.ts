// A scriptable Backend for unit tests: each method resolves or rejects as the test says.
import type { Backend } from './index';

export function fakeBackend(overrides: Partial<Backend>): Backend {
  const missing = (name: string) => () => Promise.reject(new Error(`fake backend: ${name} not scripted`));
  return {
    appInfo: missing('appInfo'),
    tenantSelf: missing('tenantSelf'),
    initHome: missing('initHome'),
    runDoctor: missing('runDoctor'),
    specCheck: missing('specCheck'),
    specPreview: missing('specPreview'),
    specAgents: missing('specAgents'),
    specVersions: missing('specVersions'),
    specGet: missing('specGet'),
    specNewDraft: missing('specNewDraft'),
    specSaveDraft: missing('specSaveDraft'),
    specPublish: missing('specPublish'),
    integrityOverview: missing('integrityOverview'),
    integrityDiff: missing('integrityDiff'),
    integrityAccept: missing('integrityAccept'),
    auditList: missing('auditList'),
    auditVerify: missing('auditVerify'),
    ...overrides,
  };
}
