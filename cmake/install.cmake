# Installation and packages (DESIGN §14, DEPLOY-030..033).
#   cmake --install BUILD [--prefix P]: bin/syncline, bin/syncline-cli, libsyncline-client.so with
#     its headers, the CMake package SynclineClient (find_package) and syncline-client.pc.
#   make package (cpack -G DEB): syncline, libsyncline-client and libsyncline-client-dev .debs.
# The installed client is a shared library built from the same PIC objects as the static one the
# tests link; a version script exports syncline::client only (cmake/client-exports.map).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

add_library(syncline_client_shared SHARED $<TARGET_OBJECTS:syncline_client_objects>)
add_library(SynclineClient::client ALIAS syncline_client_shared)
set_target_properties(syncline_client_shared PROPERTIES
  OUTPUT_NAME syncline-client VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
  EXPORT_NAME client
  LINK_DEPENDS ${CMAKE_SOURCE_DIR}/cmake/client-exports.map)
target_include_directories(syncline_client_shared PUBLIC
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/client/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_features(syncline_client_shared INTERFACE cxx_std_20)
target_link_libraries(syncline_client_shared PUBLIC Boost::json
  PRIVATE $<BUILD_INTERFACE:syncline_sync> PkgConfig::SQLITE OpenSSL::SSL Boost::url)
target_link_options(syncline_client_shared PRIVATE
  -Wl,--version-script=${CMAKE_SOURCE_DIR}/cmake/client-exports.map -Wl,--no-undefined)

install(TARGETS syncline syncline-cli RUNTIME COMPONENT server)
# The units expect /usr/bin/syncline (the .deb's path); the nginx site and env file are templates.
install(FILES ${CMAKE_SOURCE_DIR}/deploy/systemd/syncline-serve@.service
  ${CMAKE_SOURCE_DIR}/deploy/systemd/syncline-cdc.service
  DESTINATION lib/systemd/system COMPONENT server)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/systemd/syncline.env.example
  ${CMAKE_SOURCE_DIR}/deploy/nginx/syncline.conf.in ${CMAKE_SOURCE_DIR}/deploy/README.md
  DESTINATION ${CMAKE_INSTALL_DATADIR}/syncline/deploy COMPONENT server)
install(TARGETS syncline_client_shared EXPORT SynclineClientTargets
  LIBRARY COMPONENT client NAMELINK_COMPONENT dev)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/client/include/syncline
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)

set(SYNCLINE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/SynclineClient)
install(EXPORT SynclineClientTargets NAMESPACE SynclineClient::
  DESTINATION ${SYNCLINE_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/SynclineClientConfig.cmake.in
  ${CMAKE_BINARY_DIR}/SynclineClientConfig.cmake INSTALL_DESTINATION ${SYNCLINE_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/SynclineClientConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/SynclineClientConfig.cmake
  ${CMAKE_BINARY_DIR}/SynclineClientConfigVersion.cmake
  DESTINATION ${SYNCLINE_CMAKE_DIR} COMPONENT dev)

# pkg-config: the prefix is found relative to the .pc file, so the file is relocatable.
file(RELATIVE_PATH PC_PREFIX_FROM_PCDIR /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
string(REGEX REPLACE "/$" "" PC_PREFIX_FROM_PCDIR "${PC_PREFIX_FROM_PCDIR}")
configure_file(${CMAKE_SOURCE_DIR}/cmake/syncline-client.pc.in
  ${CMAKE_BINARY_DIR}/syncline-client.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/syncline-client.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

include(${CMAKE_SOURCE_DIR}/cmake/package.cmake)
