// Real TLS for the deployment tests (DEPLOY-001..005): a CA generated for the test run with the
// openssl command line (a CA key and certificate, and a server certificate it signs for the
// given subjectAltNames), and a real nginx running the shipped site config
// (deploy/nginx/syncline.conf.in: TLS + HTTP/2, kept-alive HTTP/1.1 upstreams, unbuffered /live)
// in front of one or more syncline nodes. Everything lives in the object's temp dir;
// nginx binds a free loopback port and is stopped by pid in the destructor.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace syncline::test {

class TestCa {
 public:
  // e.g. san = "DNS:localhost" or "DNS:localhost,IP:127.0.0.1"
  TestCa(const std::string& dir, const std::string& san);
  const std::string& ca_file() const { return ca_; }
  const std::string& cert_file() const { return cert_; }
  const std::string& key_file() const { return key_; }

 private:
  std::string ca_, cert_, key_;
};

class TlsProxy {
 public:
  TlsProxy(const TestCa& ca, const std::vector<unsigned short>& backends);
  ~TlsProxy();
  TlsProxy(const TlsProxy&) = delete;
  TlsProxy& operator=(const TlsProxy&) = delete;
  unsigned short port() const { return port_; }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  unsigned short port_ = 0;
};

// Files over TLS (a stand-in identity provider's JWKS URL): nginx serving `put` files from its
// temp dir with Cache-Control max-age, logging each request.
class TlsFileServer {
 public:
  TlsFileServer(const TestCa& ca, int max_age_s);
  ~TlsFileServer();
  TlsFileServer(const TlsFileServer&) = delete;
  TlsFileServer& operator=(const TlsFileServer&) = delete;
  unsigned short port() const { return port_; }
  void put(const std::string& name, const std::string& text) const;
  int requests() const;  // served so far (the access log's lines)

 private:
  std::string dir_;
  pid_t pid_ = -1;
  unsigned short port_ = 0;
};

}  // namespace syncline::test
