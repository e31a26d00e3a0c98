//! The one error shape that crosses IPC: `{code, message}`. The UI switches on `code`.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct IpcError {
    pub code: String,
    pub message: String,
}

impl From<persona_studio::Error> for IpcError {
    fn from(error: persona_studio::Error) -> Self {
        IpcError {
            code: error.code().to_owned(),
            message: error.to_string(),
        }
    }
}
