// The one translation unit that compiles Asio's TLS support (BOOST_ASIO_SEPARATE_COMPILATION,
// like src/common/asio_impl.cpp for the rest of Asio); only the client speaks TLS.
#include <boost/asio/ssl/impl/src.hpp>
