# seqcc_add_model(NAME SPEC [TEST])
#
# Compiles SPEC with seqcc into ${CMAKE_BINARY_DIR}/gen/NAME and builds the
# model binary NAME from it. The C is regenerated whenever the spec or seqcc
# changes, so editing a hyperparameter and building is the whole workflow.
# The target NAME_regenerate (and `regenerate`, for every model) writes the
# fresh code over generated/NAME, the committed copy the test suite diffs;
# TEST models (the test suite's own small specs) have no committed copy.
function(seqcc_add_model name spec)
  # seqcc names its files after the spec's `name`; the build expects NAME.
  file(STRINGS ${spec} name_line REGEX "^name:")
  if(NOT name_line MATCHES "^name:[ \t]*[\"']?${name}[\"']?[ \t]*(#.*)?$")
    message(FATAL_ERROR "${spec}: the spec's name (${name_line}) must be ${name}, as the file is named")
  endif()
  set(gen ${CMAKE_BINARY_DIR}/gen/${name})
  set(sources ${gen}/${name}.c ${gen}/${name}_info.c)
  add_custom_command(
    OUTPUT ${gen}/${name}.h ${sources}
    COMMAND seqcc ${spec} -o ${gen}
    DEPENDS seqcc ${spec}
    COMMENT "seqcc ${name}"
    VERBATIM)
  get_filename_component(spec_dir ${spec} DIRECTORY)

  # The passes, compiled once per precision; the tables once.
  add_library(${name}_f32 OBJECT ${gen}/${name}.c)
  add_library(${name}_f64 OBJECT ${gen}/${name}.c)
  target_compile_definitions(${name}_f64 PRIVATE SEQ_REAL_DOUBLE)
  add_executable(${name} ${gen}/${name}_info.c ${PROJECT_SOURCE_DIR}/runtime/model_main.c
                 $<TARGET_OBJECTS:${name}_f32> $<TARGET_OBJECTS:${name}_f64>)
  foreach(t ${name}_f32 ${name}_f64 ${name})
    target_include_directories(${t} PRIVATE ${gen} ${PROJECT_SOURCE_DIR}/runtime)
  endforeach()
  target_compile_definitions(${name} PRIVATE SEQ_MODEL=${name} SEQ_SPEC_DIR="${spec_dir}")
  target_link_libraries(${name} PRIVATE seqrt)

  if("TEST" IN_LIST ARGN)
    return()
  endif()
  add_custom_target(${name}_regenerate
    COMMAND seqcc ${spec} -o ${PROJECT_SOURCE_DIR}/generated/${name}
    DEPENDS seqcc ${spec}
    COMMENT "seqcc ${name} -> generated/${name}"
    VERBATIM)
  if(NOT TARGET regenerate)
    add_custom_target(regenerate)
  endif()
  add_dependencies(regenerate ${name}_regenerate)
endfunction()
