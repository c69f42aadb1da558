#include "events/tls_client_context.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <boost/asio/ip/address.hpp>

#include "platform/config/config.hpp"

namespace events {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> make_tls_client_context(const std::string& ca_file) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  // Money crosses this link: nothing older than TLS 1.2.
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (ca_file.empty()) {
    context->set_default_verify_paths(ec);
    if (ec) {
      throw config::ConfigError(
          fmt::format("cannot read the system's trust store for an https DATA_PLATFORM_URL: {} "
                      "(install ca-certificates or set DATA_PLATFORM_CA_FILE)",
                      ec.message()));
    }
  } else {
    context->load_verify_file(ca_file, ec);
    if (ec) {
      throw config::ConfigError(fmt::format(
          "DATA_PLATFORM_CA_FILE must be a readable PEM file of certificates, got '{}': {}",
          ca_file, ec.message()));
    }
  }
  return context;
}

bool expect_peer_host(SSL* ssl, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  boost::system::error_code not_an_address;
  boost::asio::ip::make_address(host, not_an_address);
  if (!not_an_address) return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  // "*.example.com" matches one label only, as browsers do.
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) != 1) return false;
  return SSL_set_tlsext_host_name(ssl, host.c_str()) == 1;
}

std::string certificate_error(const SSL* ssl) {
  const long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) return {};
  return X509_verify_cert_error_string(result);
}

}  // namespace events
