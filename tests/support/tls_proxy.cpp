#include "support/tls_proxy.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/cluster.h"

namespace syncline::test {

namespace {
void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  if (run_command(argv, &out) != 0) throw std::runtime_error("openssl failed: " + out);
}

bool accepts(unsigned short port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}
}  // namespace

TestCa::TestCa(const std::string& dir, const std::string& san)
    : ca_(dir + "/ca.pem"), cert_(dir + "/server.pem"), key_(dir + "/server.key") {
  openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
           "/CN=Syncline test CA", "-keyout", dir + "/ca.key", "-out", ca_});
  openssl({"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=syncline test server", "-keyout",
           key_, "-out", dir + "/server.csr"});
  std::ofstream(dir + "/ext.cnf") << "subjectAltName=" << san << "\n";
  openssl({"x509", "-req", "-in", dir + "/server.csr", "-CA", ca_, "-CAkey", dir + "/ca.key",
           "-CAcreateserial", "-days", "2", "-extfile", dir + "/ext.cnf", "-out", cert_});
}

TlsProxy::TlsProxy(const TestCa& ca, const std::vector<unsigned short>& backends)
    : dir_(make_temp_dir("syncline-test-nginx")), port_(free_loopback_port()) {
  std::filesystem::create_directories(dir_ + "/tmp");
  // The shipped site config, rendered as an operator would (DEPLOY-010).
  std::ifstream in(std::string(SYNCLINE_SOURCE_DIR) + "/deploy/nginx/syncline.conf.in");
  std::stringstream site;
  site << in.rdbuf();
  std::string text = site.str();
  std::string servers;
  for (auto b : backends)
    servers += "    server 127.0.0.1:" + std::to_string(b) + " max_fails=1 fail_timeout=10s;\n";
  auto put = [&](const std::string& key, const std::string& value) {
    for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
      text.replace(at, key.size(), value);
  };
  put("@UPSTREAM_SERVERS@\n", servers);
  put("@LISTEN@", "127.0.0.1:" + std::to_string(port_));
  put("@SERVER_NAME@", "localhost");
  put("@CERT@", ca.cert_file());
  put("@KEY@", ca.key_file());
  std::ofstream(dir_ + "/syncline.conf") << text;
  std::ofstream(dir_ + "/nginx.conf")
      << "daemon off;\nmaster_process off;\nworker_processes 1;\npid " << dir_
      << "/nginx.pid;\nerror_log " << dir_ << "/error.log;\n"
      << "events { worker_connections 256; }\n"
      << "http {\n  access_log off;\n"
      << "  client_body_temp_path " << dir_ << "/tmp/body;\n  proxy_temp_path " << dir_
      << "/tmp/proxy;\n  fastcgi_temp_path " << dir_ << "/tmp/fcgi;\n  uwsgi_temp_path " << dir_
      << "/tmp/uwsgi;\n  scgi_temp_path " << dir_ << "/tmp/scgi;\n"
      << "  include " << dir_ << "/syncline.conf;\n}\n";
  std::fflush(nullptr);
  pid_ = fork_child();
  if (pid_ == 0) {
    FILE* f = freopen((dir_ + "/stdout").c_str(), "w", stdout);
    (void)f;
    dup2(STDOUT_FILENO, STDERR_FILENO);
    exec_argv({"/usr/sbin/nginx", "-p", dir_, "-c", dir_ + "/nginx.conf"});
  }
  for (int i = 0; i < 200 && !accepts(port_); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  if (!accepts(port_)) throw std::runtime_error("nginx did not start: see " + dir_ + "/error.log");
}

TlsProxy::~TlsProxy() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  std::filesystem::remove_all(dir_);
}

}  // namespace syncline::test
