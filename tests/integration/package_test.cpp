// Installation and packages (DESIGN §14, DEPLOY-030..033): what `cmake --install` and
// `make package` produce is used the way a user would use it. The README's client example is
// built out of tree against the installed package (find_package and pkg-config) and run against
// a real server: its update is confirmed through the stream. The .deb files are installed by
// dpkg into a temp root; the installed binaries run and the example builds against them.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/cdc_fixture.h"
#include "support/mutations.h"

namespace syncline::test {

namespace {
int sh(const std::string& command, std::string* out) {
  return run_command({"/bin/sh", "-c", command + " 2>&1"}, out);
}
const std::string kExamples = SYNCLINE_SOURCE_DIR "/client/examples";
}  // namespace

class Package : public WithCdcWorkerAndDir {
 protected:
  void SetUp() override {
    WithCdcWorkerAndDir::SetUp();
    ASSERT_EQ(
        http_
            .send("POST", base_ + "/pages",
                  create_body({{"id", "home"}, {"name", "Start"}}, next_tx_id()), admin_.token)
            .status,
        201);
  }
  // Builds client/examples with CMake against PREFIX and runs it: "home: confirmed".
  void build_and_run_example(const std::string& prefix, const std::string& name) {
    std::string out;
    const std::string build = dir_ + "/" + name;
    ASSERT_EQ(sh(std::string(SYNCLINE_CMAKE) + " -S " + kExamples + " -B " + build +
                     " -G Ninja -DCMAKE_PREFIX_PATH=" + prefix + " && " + SYNCLINE_CMAKE +
                     " --build " + build,
                 &out),
              0)
        << out;
    run_example(build + "/watch_pages", name);
  }
  void run_example(const std::string& binary, const std::string& name) {
    std::string out;
    ASSERT_EQ(sh(binary + " 127.0.0.1 " + std::to_string(http_.port()) + " " + admin_.token + " " +
                     org_ + " " + dir_ + "/" + name + "-data",
                 &out),
              0)
        << out;
    EXPECT_NE(out.find("home: confirmed"), std::string::npos) << out;
  }
};

TEST_F(Package, TheReadmeExampleBuildsOutOfTreeAgainstTheInstalledClientDEPLOY030) {
  const std::string root = dir_ + "/prefix";
  std::string out;
  ASSERT_EQ(
      sh(std::string(SYNCLINE_CMAKE) + " --install " + SYNCLINE_BUILD_DIR + " --prefix " + root,
         &out),
      0)
      << out;
  for (const char* f :
       {"bin/syncline", "bin/syncline-cli", "include/syncline/client.h",
        "lib/cmake/SynclineClient/SynclineClientConfig.cmake", "lib/pkgconfig/syncline-client.pc",
        "lib/systemd/system/syncline-cdc.service"})
    EXPECT_TRUE(std::filesystem::exists(root + "/" + f)) << f;
  build_and_run_example(root, "cmake-example");

  // pkg-config: the .pc file finds its prefix relative to itself.
  ASSERT_EQ(
      sh("export PKG_CONFIG_PATH=" + root + "/lib/pkgconfig; c++ -o " + dir_ + "/pc-example " +
             kExamples + "/watch_pages.cpp $(pkg-config --cflags --libs syncline-client)" +
             " -Wl,-rpath," + root + "/lib",
         &out),
      0)
      << out;
  run_example(dir_ + "/pc-example", "pc-example");

  // The shared library exports the client's API only (its Asio, fmt and libsodium stay local).
  ASSERT_EQ(sh("nm -D --defined-only -C " + root + "/lib/libsyncline-client.so", &out), 0);
  EXPECT_NE(out.find("syncline::client::Client::start"), std::string::npos);
  EXPECT_EQ(out.find("boost::asio"), std::string::npos);
  EXPECT_EQ(out.find("fmt::"), std::string::npos);
}

TEST_F(Package, TheDebPackagesInstallIntoATempRootAndRunDEPLOY032) {
  std::string out;
  const std::string debs = dir_ + "/debs", root = dir_ + "/root";
  ASSERT_EQ(sh(std::string(SYNCLINE_CPACK) + " --config " + SYNCLINE_BUILD_DIR +
                   "/CPackConfig.cmake -B " + debs,
               &out),
            0)
      << out;
  // A dpkg database of its own: dpkg installs, the host's packages are untouched (the library's
  // postinst, ldconfig, runs outside the root: the root has no shell).
  ASSERT_EQ(
      sh("mkdir -p " + root + "/var/lib/dpkg/info " + root + "/var/lib/dpkg/updates && touch " +
             root + "/var/lib/dpkg/status && dpkg --root=" + root +
             " --force-depends --force-script-chrootless --install " + debs + "/*.deb",
         &out),
      0)
      << out;
  ASSERT_EQ(sh("dpkg --root=" + root + " --list 'syncline' 'libsyncline-client*'", &out), 0);
  for (const char* p : {"syncline", "libsyncline-client0", "libsyncline-client-dev"})
    EXPECT_NE(out.find(std::string("ii  ") + p + " "), std::string::npos) << p << "\n" << out;
  ASSERT_EQ(sh(root + "/usr/bin/syncline --help", &out), 0) << out;
  EXPECT_NE(out.find("serve"), std::string::npos) << out;
  EXPECT_NE(out.find("cdc"), std::string::npos) << out;
  ASSERT_EQ(sh(root + "/usr/bin/syncline-cli --help", &out), 0) << out;
  // Dependencies the binaries really link (dpkg-shlibdeps), e.g. libpq for the server.
  ASSERT_EQ(sh("dpkg-deb -f " + debs + "/syncline_*.deb Depends", &out), 0);
  EXPECT_NE(out.find("libpq5"), std::string::npos) << out;
  // The dev package is enough to build the example; the library package to run it.
  const std::string build = dir_ + "/deb-example";
  ASSERT_EQ(sh(std::string(SYNCLINE_CMAKE) + " -S " + kExamples + " -B " + build +
                   " -G Ninja -DCMAKE_PREFIX_PATH=" + root + "/usr && " + SYNCLINE_CMAKE +
                   " --build " + build,
               &out),
            0)
      << out;
  ASSERT_EQ(sh("ldd " + build + "/watch_pages", &out), 0);
  EXPECT_NE(out.find(root + "/usr/lib/libsyncline-client.so.0"), std::string::npos) << out;
  run_example(build + "/watch_pages", "deb-example");
}

}  // namespace syncline::test
