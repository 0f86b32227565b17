//! The HTTP client that delivers webhooks.

use std::time::Duration;

use newsdesk_domain::webhook::Transport;

/// Blocking HTTP(S) POSTs with a 10 s budget; any status is an answer, only
/// network failures are errors.
pub struct HttpTransport {
    agent: ureq::Agent,
}

impl HttpTransport {
    pub fn new() -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Self { agent }
    }
}

impl Transport for HttpTransport {
    fn post(&self, url: &str, headers: &[(&str, String)], body: &[u8]) -> Result<u16, String> {
        let mut request = self.agent.post(url);
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        request.send(body).map(|res| res.status().as_u16()).map_err(|e| e.to_string())
    }
}
