# seqcc_add_model(TARGET SPEC [OUTPUT_DIR DIR]), and seqcc_export below.
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
  set_target_properties(${target} PROPERTIES SEQCC_MODEL_NAME "${name}")
endfunction()

# seqcc_export(TARGET CHECKPOINT [WEIGHTS f32|int8] [NO_TOKENIZER] [OUTPUT_DIR DIR])
#
# The freestanding C of a trained model: TARGET (a seqcc_add_model binary)
# exports CHECKPOINT (relative to the calling CMakeLists.txt's folder) into
# DIR (default: ${CMAKE_CURRENT_BINARY_DIR}/seqcc/TARGET_infer) as NAME_infer.h
# and NAME_infer.c, again whenever the checkpoint or the binary changes, and
#
#   TARGET_infer    a static library of the export (TARGET::infer), NAME_infer.h
#                   on its include path: no runtime, no BLAS, no allocation
#
# For a firmware, build the two files with the device's toolchain instead
# (examples/mcu), from DIR or from `NAME export`.
function(seqcc_export target checkpoint)
  cmake_parse_arguments(PARSE_ARGV 2 arg "NO_TOKENIZER" "WEIGHTS;OUTPUT_DIR" "")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "seqcc_export(${target}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  get_target_property(name ${target} SEQCC_MODEL_NAME)
  if(NOT name)
    message(FATAL_ERROR "seqcc_export(${target}): not a seqcc_add_model target")
  endif()
  if(NOT arg_WEIGHTS)
    set(arg_WEIGHTS f32)
  endif()
  if(NOT arg_WEIGHTS MATCHES "^(f32|int8)$")
    message(FATAL_ERROR "seqcc_export(${target}): WEIGHTS is f32 or int8, not ${arg_WEIGHTS}")
  endif()
  get_filename_component(checkpoint "${checkpoint}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(arg_OUTPUT_DIR)
    get_filename_component(dir "${arg_OUTPUT_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  else()
    set(dir "${CMAKE_CURRENT_BINARY_DIR}/seqcc/${target}_infer")
  endif()
  set(flags --weights ${arg_WEIGHTS})
  if(arg_NO_TOKENIZER)
    list(APPEND flags --no-tokenizer)
  endif()
  add_custom_command(
    OUTPUT ${dir}/${name}_infer.h ${dir}/${name}_infer.c
    COMMAND $<TARGET_FILE:${target}> export --checkpoint ${checkpoint} --out ${dir} ${flags}
    DEPENDS ${target} ${checkpoint}
    COMMENT "${name} export (${arg_WEIGHTS})"
    VERBATIM)
  add_library(${target}_infer STATIC ${dir}/${name}_infer.c)
  add_library(${target}::infer ALIAS ${target}_infer)
  target_include_directories(${target}_infer PUBLIC ${dir})
  set_target_properties(${target}_infer PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON
                                                   C_EXTENSIONS OFF)
  target_compile_options(${target}_infer PRIVATE $<$<C_COMPILER_ID:GNU,Clang,AppleClang>:-O2>)
  find_library(SEQCC_LIBM m)
  if(SEQCC_LIBM)
    target_link_libraries(${target}_infer PUBLIC ${SEQCC_LIBM})
  endif()
endfunction()
