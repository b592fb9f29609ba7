# seqcc_add_model(TARGET SPEC [OUTPUT_DIR DIR])
#
# Compiles the model spec SPEC (a YAML file; relative to the calling
# CMakeLists.txt's folder) with seqcc into DIR (default:
# ${CMAKE_CURRENT_BINARY_DIR}/seqcc/TARGET) and builds from it:
#
#   TARGET          the model binary (train, eval, predict, ...)
#   TARGET::model   a static library with the model's C API (NAME.h, NAME being
#                   the spec's `name`); link it into your own program
#
# The C is regenerated whenever the spec or seqcc changes, so editing a
# hyperparameter and building is the whole workflow. The binary looks for
# the spec's data (data.path) relative to the spec's folder, found from the
# binary's own folder; `--data` overrides it. The generated code is always
# compiled with -O2 and without floating-point contraction, as seqcc's own
# build does, so a model gives the same bits wherever it is built.
#
# Works the same in seqcc's own build, after add_subdirectory() or
# FetchContent, and after find_package(seqcc).
function(seqcc_add_model target spec)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "OUTPUT_DIR" "")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "seqcc_add_model(${target}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  get_filename_component(spec "${spec}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${spec}")
    message(FATAL_ERROR "seqcc_add_model(${target}): no spec ${spec}")
  endif()
  # seqcc names the files and symbols after the spec's `name`.
  file(STRINGS "${spec}" name_line REGEX "^name:")
  if(NOT name_line MATCHES "^name:[ \t]*[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?[ \t]*(#.*)?$")
    message(FATAL_ERROR "${spec}: no line `name: NAME` (letters, digits, _) at the top level")
  endif()
  set(name "${CMAKE_MATCH_1}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${spec}")

  if(arg_OUTPUT_DIR)
    get_filename_component(gen "${arg_OUTPUT_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  else()
    set(gen "${CMAKE_CURRENT_BINARY_DIR}/seqcc/${target}")
  endif()
  add_custom_command(
    OUTPUT ${gen}/${name}.h ${gen}/${name}.c ${gen}/${name}_info.c ${gen}/${name}_main.c
    COMMAND seqcc::seqcc ${spec} -o ${gen}
    DEPENDS seqcc::seqcc ${spec}
    COMMENT "seqcc ${name}"
    VERBATIM)
  # One target runs seqcc; the others wait for it (never two seqcc at once).
  add_custom_target(${target}_generate
    DEPENDS ${gen}/${name}.h ${gen}/${name}.c ${gen}/${name}_info.c ${gen}/${name}_main.c)

  # The passes, compiled once per precision (training and prediction in the
  # spec's, the gradient check in f64); then the tables.
  add_library(${target}_f32 OBJECT ${gen}/${name}.c)
  add_library(${target}_f64 OBJECT ${gen}/${name}.c)
  target_compile_definitions(${target}_f64 PRIVATE SEQ_REAL_DOUBLE)
  add_library(${target}_model STATIC ${gen}/${name}_info.c
              $<TARGET_OBJECTS:${target}_f32> $<TARGET_OBJECTS:${target}_f64>)
  add_library(${target}::model ALIAS ${target}_model)
  target_include_directories(${target}_model PUBLIC ${gen})
  target_link_libraries(${target}_model PUBLIC seqcc::seqrt)
  foreach(t ${target}_f32 ${target}_f64 ${target}_model)
    target_include_directories(${t} PRIVATE ${gen})
    target_link_libraries(${t} PRIVATE seqcc::seqrt)
    set_target_properties(${t} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF
                                          POSITION_INDEPENDENT_CODE ON)
    target_compile_options(${t} PRIVATE $<$<C_COMPILER_ID:GNU,Clang,AppleClang>:-O2 -ffp-contract=off>)
  endforeach()

  # The binary: main() and the model. The spec's folder is given relative to
  # the binary's, so the binary holds no absolute path of the source tree.
  add_executable(${target} ${gen}/${name}_main.c)
  target_link_libraries(${target} PRIVATE ${target}_model)
  foreach(t ${target}_f32 ${target}_f64 ${target}_model ${target})
    add_dependencies(${t} ${target}_generate)
  endforeach()
  if(CMAKE_RUNTIME_OUTPUT_DIRECTORY)
    set(bin_dir "${CMAKE_RUNTIME_OUTPUT_DIRECTORY}")
  else()
    set(bin_dir "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  get_filename_component(spec_dir "${spec}" DIRECTORY)
  file(RELATIVE_PATH spec_dir_rel "${bin_dir}" "${spec_dir}")
  if(spec_dir_rel STREQUAL "")
    set(spec_dir_rel ".")
  endif()
  target_compile_definitions(${target} PRIVATE SEQ_SPEC_DIR="${spec_dir_rel}")
endfunction()
