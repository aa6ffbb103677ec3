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

namespace {
// Runs nginx in `dir` (its own config, temp paths and pid file) with `http` inside its http
// block; returns once it accepts on `port`.
pid_t start_nginx(const std::string& dir, unsigned short port, const std::string& http) {
  std::filesystem::create_directories(dir + "/tmp");
  std::ofstream(dir + "/nginx.conf")
      << "daemon off;\nmaster_process off;\nworker_processes 1;\npid " << dir
      << "/nginx.pid;\nerror_log " << dir << "/error.log;\n"
      << "events { worker_connections 256; }\n"
      << "http {\n  client_body_temp_path " << dir << "/tmp/body;\n  proxy_temp_path " << dir
      << "/tmp/proxy;\n  fastcgi_temp_path " << dir << "/tmp/fcgi;\n  uwsgi_temp_path " << dir
      << "/tmp/uwsgi;\n  scgi_temp_path " << dir << "/tmp/scgi;\n"
      << http << "}\n";
  std::fflush(nullptr);
  pid_t pid = fork_child();
  if (pid == 0) {
    FILE* f = freopen((dir + "/stdout").c_str(), "w", stdout);
    (void)f;
    dup2(STDOUT_FILENO, STDERR_FILENO);
    exec_argv({"/usr/sbin/nginx", "-p", dir, "-c", dir + "/nginx.conf"});
  }
  for (int i = 0; i < 200 && !accepts(port); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  if (!accepts(port)) throw std::runtime_error("nginx did not start: see " + dir + "/error.log");
  return pid;
}

void stop_nginx(pid_t pid, const std::string& dir) {
  if (pid > 0) {
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
  }
  std::filesystem::remove_all(dir);
}
}  // namespace

TlsProxy::TlsProxy(const TestCa& ca, const std::vector<unsigned short>& backends)
    : dir_(make_temp_dir("syncline-test-nginx")), port_(free_loopback_port()) {
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
  pid_ = start_nginx(dir_, port_, "  access_log off;\n  include " + dir_ + "/syncline.conf;\n");
}

TlsProxy::~TlsProxy() {
  stop_nginx(pid_, dir_);
}

TlsFileServer::TlsFileServer(const TestCa& ca, int max_age_s)
    : dir_(make_temp_dir("syncline-test-files")), port_(free_loopback_port()) {
  std::filesystem::create_directories(dir_ + "/www");
  pid_ =
      start_nginx(dir_, port_,
                  "  access_log " + dir_ + "/access.log;\n  server {\n    listen 127.0.0.1:" +
                      std::to_string(port_) + " ssl;\n    ssl_certificate " + ca.cert_file() +
                      ";\n    ssl_certificate_key " + ca.key_file() + ";\n    root " + dir_ +
                      "/www;\n    add_header Cache-Control \"max-age=" + std::to_string(max_age_s) +
                      "\" always;\n  }\n");
}

TlsFileServer::~TlsFileServer() {
  stop_nginx(pid_, dir_);
}

void TlsFileServer::put(const std::string& name, const std::string& text) const {
  // Written aside and renamed: a request never reads half a file.
  std::ofstream(dir_ + "/www/." + name) << text;
  std::filesystem::rename(dir_ + "/www/." + name, dir_ + "/www/" + name);
}

int TlsFileServer::requests() const {
  std::ifstream in(dir_ + "/access.log");
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

}  // namespace syncline::test
