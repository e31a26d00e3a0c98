// A scriptable Backend for unit tests: each method resolves or rejects as the test says, and
// any method the test did not script rejects with its name.
import type { Backend } from './index';

export function fakeBackend(overrides: Partial<Backend>): Backend {
  return new Proxy(overrides, {
    get(target, name: string) {
      return (
        target[name as keyof Backend] ??
        (() => Promise.reject(new Error(`fake backend: ${name} not scripted`)))
      );
    },
  }) as Backend;
}
