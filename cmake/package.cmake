# `make package`: Debian packages via CPack, one per component (see cmake/install.cmake).
# Dependencies come from dpkg-shlibdeps (the libraries the binaries really link); binaries are
# stripped (the build keeps its debug info).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME syncline)
set(CPACK_PACKAGE_VENDOR "Syncline")
set(CPACK_PACKAGE_CONTACT "Syncline maintainers <maintainers@syncline.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Realtime and offline sync engine for PostgreSQL")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)  # the library package's shlibs file
set(CPACK_COMPONENTS_ALL server client dev)
set(CPACK_DEBIAN_SERVER_PACKAGE_NAME syncline)
set(CPACK_COMPONENT_SERVER_DESCRIPTION
  "Realtime and offline sync engine for PostgreSQL\n The syncline server (serve, cdc, migrate, schema) and the syncline-cli client.")
set(CPACK_DEBIAN_CLIENT_PACKAGE_NAME libsyncline-client${PROJECT_VERSION_MAJOR})
set(CPACK_COMPONENT_CLIENT_DESCRIPTION
  "Syncline native client library\n Local SQLite cache, durable outbox and live stream of a Syncline server.")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libsyncline-client-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "libsyncline-client${PROJECT_VERSION_MAJOR} (= ${PROJECT_VERSION}), libboost-json1.81-dev")
set(CPACK_COMPONENT_DEV_DESCRIPTION
  "Syncline native client library: headers, CMake package and pkg-config file")
include(CPack)
