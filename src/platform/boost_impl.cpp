// The one translation unit that compiles Asio (with its TLS part, for the https:// event sink)
// and Beast (BOOST_*_SEPARATE_COMPILATION), so every other file only parses their
// declarations.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
