// The one translation unit that compiles Asio, its TLS support and Beast
// (BOOST_*_SEPARATE_COMPILATION): the client and the server's JWKS fetch (auth) speak TLS.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
