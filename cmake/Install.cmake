# What `cmake --install BUILD --prefix P` puts under P:
#   bin/seqcc                          the compiler (and `seqcc build`)
#   lib/libseqrt.a, lib/libsequtil.a   the runtime, both precisions
#   include/seqcc/                     its headers, in the runtime's folders; seqcc.h
#                                      (on top) is the C API
#   lib/cmake/seqcc/                   find_package(seqcc): seqcc_add_model()
#   lib/pkgconfig/seqcc.pc             the runtime for other build systems
include(CMakePackageConfigHelpers)
set(SEQCC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/seqcc)

install(TARGETS seqcc EXPORT seqccTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS seqrt sequtil EXPORT seqccTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/seqcc
        FILES_MATCHING PATTERN "*.h")

install(EXPORT seqccTargets NAMESPACE seqcc:: DESTINATION ${SEQCC_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/seqccConfig.cmake.in
  ${PROJECT_BINARY_DIR}/seqccConfig.cmake INSTALL_DESTINATION ${SEQCC_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/seqccConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/seqccConfig.cmake ${PROJECT_BINARY_DIR}/seqccConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/SeqccModel.cmake
        DESTINATION ${SEQCC_CMAKE_DIR})

# pkg-config, relocatable: the prefix is found from the .pc file's folder.
file(RELATIVE_PATH PC_PCDIR_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
string(REGEX REPLACE "/$" "" PC_PCDIR_TO_PREFIX "${PC_PCDIR_TO_PREFIX}")
set(PC_EXTRA_LIBS "")
set(PC_EXTRA_REQUIRES "")
if(SEQCC_ONNX) # the runtime writes ONNX files with protobuf-c
  set(PC_EXTRA_REQUIRES " libprotobuf-c")
endif()
if(CMAKE_DL_LIBS) # dlopen, for Open MPI (SEQCC_MPI)
  string(APPEND PC_EXTRA_LIBS " -l${CMAKE_DL_LIBS}")
endif()
if(SEQCC_SANITIZE)
  set(PC_EXTRA_LIBS " ${SEQCC_SANITIZE_FLAGS}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/seqcc.pc.in ${PROJECT_BINARY_DIR}/seqcc.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/seqcc.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
