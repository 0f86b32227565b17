//! Where webhooks may be sent: the public internet, and private ranges only
//! when an operator opens them. Checked on the URL when a webhook is registered
//! and again on every address its host resolves to when it is delivered, so
//! that neither another spelling of an address (decimal, hexadecimal, short
//! IPv4 forms, IPv4 inside IPv6) nor a name that resolves elsewhere later (DNS
//! rebinding) reaches inside the network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};

use crate::error::{Error, Result};

/// An address range, `10.0.0.0/8` or `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Self> {
        let bad = || Error::field("webhookAllow", format!("`{s}` is not an address range such as 10.0.0.0/8"));
        let (addr, prefix) = s.split_once('/').map_or((s, None), |(a, p)| (a, Some(p)));
        let net: IpAddr = addr.trim().parse().map_err(|_| bad())?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.trim().parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(Self { net, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let (net, ip, bits) = match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(i)) => (u128::from(n.to_bits()), u128::from(i.to_bits()), 32),
            (IpAddr::V6(n), IpAddr::V6(i)) => (n.to_bits(), i.to_bits(), 128),
            _ => return false,
        };
        let shift = bits - u32::from(self.prefix);
        shift >= bits || (net >> shift) == (ip >> shift)
    }
}

/// The IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, ..] | [0, 0, 0, 0, 0, 0, ..] => Some(tail),
        [0x64, 0xff9b, 0, 0, 0, 0, ..] => Some(tail),
        [0x2002, a, b, ..] => Some(Ipv4Addr::new((a >> 8) as u8, a as u8, (b >> 8) as u8, b as u8)),
        _ => None,
    }
}

/// Whether an address is outside the public internet: loopback, private,
/// shared (CGNAT), link-local (cloud metadata), unspecified, multicast,
/// broadcast, reserved, documentation or benchmarking ranges.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (18..20).contains(&b))
                || (a == 192 && b == 0)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return v6.is_unspecified() || v6.is_loopback() || is_internal(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first & 0xffc0) == 0xfec0
                || first == 0x2001 && v6.segments()[1] == 0x0db8
        }
    }
}

/// The ranges webhooks may reach besides the public internet.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    allowed: Vec<Cidr>,
}

impl Targets {
    pub fn new(allowed: Vec<Cidr>) -> Self {
        Self { allowed }
    }

    /// Whether a delivery may connect to `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        !is_internal(ip) || self.allowed.iter().any(|c| c.contains(ip))
    }

    /// Check a webhook URL when it is registered: an absolute http(s) URL
    /// without credentials, whose host is not (and does not now resolve to) an
    /// address outside the allowed ones. A name that does not resolve yet is
    /// accepted: every delivery checks again.
    pub fn check_url(&self, raw: &str) -> Result<url::Url> {
        let invalid = || Error::field("url", "must be an absolute http(s) URL");
        // `https:///x` would be read as the host `x`: a host must follow `//`.
        let authority = raw.split_once("://").map(|(_, rest)| rest);
        if raw.len() > 2048
            || raw.chars().any(|c| c.is_whitespace() || c.is_control())
            || authority.is_none_or(|a| a.is_empty() || a.starts_with('/'))
        {
            return Err(invalid());
        }
        let url = url::Url::parse(raw).map_err(|_| invalid())?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::field("url", "must not carry credentials; the signature authenticates deliveries"));
        }
        let refused = || {
            Error::field(
                "url",
                "must not point inside the network (loopback, private, link-local or metadata addresses)",
            )
        };
        let port = url.port_or_known_default().unwrap_or(80);
        let ips: Vec<IpAddr> = match url.host().ok_or_else(invalid)? {
            url::Host::Ipv4(ip) => vec![IpAddr::V4(ip)],
            url::Host::Ipv6(ip) => vec![IpAddr::V6(ip)],
            url::Host::Domain(name) => {
                let name = name.trim_end_matches('.');
                if name == "localhost" || name.ends_with(".localhost") {
                    vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]
                } else {
                    (name, port).to_socket_addrs().map(|a| a.map(|a| a.ip()).collect()).unwrap_or_default()
                }
            }
        };
        if ips.into_iter().any(|ip| !self.allows(ip)) {
            return Err(refused());
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_in_every_spelling_are_refused() {
        let t = Targets::default();
        for url in [
            "http://127.0.0.1:9000/",
            "http://localhost/",
            "http://api.localhost/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://0/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[fd00:ec2::254]/",
            "http://[fe80::1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[2002:7f00:1::]/",
            "http://[::]/",
        ] {
            assert!(t.check_url(url).is_err(), "{url}");
        }
        let e = t.check_url("https://user:secret@example.com/hook").unwrap_err();
        assert!(e.detail.contains("credentials"), "{e:?}");
        for bad in ["ftp://x", "https:///path", "javascript:alert(1)", "not a url"] {
            assert!(t.check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn public_addresses_pass_and_an_allow_list_opens_ranges() {
        let t = Targets::default();
        assert!(t.check_url("https://93.184.215.14/hook").is_ok());
        assert!(t.check_url("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook").is_ok());
        let open = Targets::new(vec![Cidr::parse("127.0.0.0/8").unwrap(), Cidr::parse("10.0.0.5").unwrap()]);
        assert!(open.check_url("http://127.0.0.1:9000/").is_ok());
        assert!(open.allows("10.0.0.5".parse().unwrap()));
        assert!(!open.allows("10.0.0.6".parse().unwrap()));
        assert!(!open.allows("192.168.0.1".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains("8.8.8.8".parse().unwrap()));
    }
}
