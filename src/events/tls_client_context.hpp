#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace events {

// The TLS client settings for an https:// DATA_PLATFORM_URL: TLS 1.2 or later, the peer's
// certificate always verified, against the PEM certificates in `ca_file` or, when it is
// empty, the system's trust store. A CA file that cannot be read or holds no certificate
// throws config::ConfigError naming DATA_PLATFORM_CA_FILE, so it stops the service at start.
std::shared_ptr<boost::asio::ssl::context> make_tls_client_context(const std::string& ca_file);

// Makes the handshake on `ssl` check that the certificate is for `host` (a DNS name, or an
// IP address literal checked against the certificate's IP SANs) and sends `host` as SNI
// when it is a name. Returns false when OpenSSL refuses the settings.
bool expect_peer_host(SSL* ssl, const std::string& host);

// Why the handshake on `ssl` failed, when the certificate check is the reason; empty else.
std::string certificate_error(const SSL* ssl);

}  // namespace events
