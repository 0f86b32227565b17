//! The HTTP client that delivers webhooks.

use std::time::Duration;

use newsdesk_domain::ports::Transport;
use newsdesk_domain::targets::Targets;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// Blocking HTTP(S) POSTs with a 10 s budget; any status is an answer, only
/// network failures are errors. Connections go only to addresses the targets
/// allow, checked on what the host resolves to at each delivery.
pub struct HttpTransport {
    agent: ureq::Agent,
}

/// The system's resolver, keeping only allowed addresses: the connection is made
/// to an address that was checked, whatever the name resolves to later.
#[derive(Debug)]
struct Checked(Targets);

impl Resolver for Checked {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let resolved = DefaultResolver::default().resolve(uri, config, timeout)?;
        let mut allowed = self.empty();
        for addr in resolved.iter().filter(|a| self.0.allows(a.ip())) {
            allowed.push(*addr);
        }
        if allowed.is_empty() {
            let refused = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "the address is not allowed");
            return Err(ureq::Error::Io(refused));
        }
        Ok(allowed)
    }
}

impl HttpTransport {
    pub fn new(targets: Targets) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .max_redirects(0)
            .build();
        Self { agent: ureq::Agent::with_parts(config, DefaultConnector::default(), Checked(targets)) }
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
