//! The `guide:` URI scheme: serves the built user guide (`persona_studio::guide`) to the Help
//! page's frame, offline, off the main thread. A missing guide or page is an HTML page that
//! says what is wrong and how to fix it, with the status that fits (404, 400, 403).

use std::path::PathBuf;

use persona_studio::guide::{self, Guide};
use tauri::http::{header, Request, Response, StatusCode};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

/// The scheme's name: pages are `guide://localhost/<path>` (Linux, macOS) or
/// `http://guide.localhost/<path>` (Windows); the UI builds them with `convertFileSrc`.
pub const SCHEME: &str = "guide";

/// What a guide page may do: run the book's own scripts (mdBook's theme and search are inline
/// and local) and nothing from anywhere else. The guide's frame has no IPC capability.
const GUIDE_CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

/// The handler for `tauri::Builder::register_asynchronous_uri_scheme_protocol`.
pub fn handle<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let resources: Vec<PathBuf> = ctx
        .app_handle()
        .path()
        .resource_dir()
        .ok()
        .map(|dir| dir.join("guide"))
        .into_iter()
        .collect();
    let path = request.uri().path().to_owned();
    tauri::async_runtime::spawn_blocking(move || {
        let env_dir = std::env::var_os(guide::GUIDE_DIR_VARIABLE)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let exe = std::env::current_exe().ok();
        let candidates = guide::candidates(env_dir, exe.as_deref(), &resources);
        responder.respond(respond(&path, &candidates));
    });
}

fn respond(path: &str, candidates: &[PathBuf]) -> Response<Vec<u8>> {
    match Guide::require(candidates).and_then(|g| g.page(path)) {
        Ok(page) => response(StatusCode::OK, &page.media_type, page.bytes),
        Err(error) => {
            let status = match error.code() {
                "not_found" => StatusCode::NOT_FOUND,
                "invalid_input" => StatusCode::BAD_REQUEST,
                _ => StatusCode::FORBIDDEN,
            };
            response(
                status,
                "text/html",
                problem_page(&error.to_string()).into_bytes(),
            )
        }
    }
}

fn response(status: StatusCode, media_type: &str, body: Vec<u8>) -> Response<Vec<u8>> {
    let built = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, media_type)
        .header(header::CONTENT_SECURITY_POLICY, GUIDE_CSP)
        .body(body);
    // The builder fails only on an invalid header, and every header here is a constant.
    built.unwrap_or_else(|_| Response::new(Vec::new()))
}

/// A readable page for a guide that cannot be shown.
fn problem_page(message: &str) -> String {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>User guide</title></head>\
         <body><main><h1>The user guide cannot be shown</h1><p data-testid=\"guide-problem\">{escaped}</p></main></body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_served_and_a_missing_guide_says_how_to_build_it() {
        let dir = tempfile::tempdir().unwrap();
        let candidates = [dir.path().to_path_buf()];
        let missing = respond("/index.html", &candidates);
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let body = String::from_utf8(missing.body().clone()).unwrap();
        assert!(
            body.contains("cargo xtask docs") && body.contains("guide-problem"),
            "{body}"
        );

        std::fs::write(dir.path().join("index.html"), "<h1>Guide</h1>").unwrap();
        let page = respond("/", &candidates);
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers()[header::CONTENT_TYPE], "text/html");
        assert_eq!(page.headers()[header::CONTENT_SECURITY_POLICY], GUIDE_CSP);
        assert_eq!(
            respond("/../etc/passwd", &candidates).status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            respond("/nope.html", &candidates).status(),
            StatusCode::NOT_FOUND
        );
    }
}
