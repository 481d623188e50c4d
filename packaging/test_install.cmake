# ctest: cmake --install into DESTDIR, then run the installed dragdiff-cli from there.
#   cmake -DBUILD_DIR=... -DDESTDIR=... -DPREFIX=/opt/x -P test_install.cmake
foreach(v BUILD_DIR DESTDIR PREFIX)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "test_install.cmake: -D${v}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE "${DESTDIR}")
execute_process(COMMAND ${CMAKE_COMMAND} -E env DESTDIR=${DESTDIR}
                        ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc}):\n${out}\n${err}")
endif()

set(root "${DESTDIR}${PREFIX}")
foreach(f bin/dragdiff-cli
          bin/dragdiff
          share/dragdiff/weights/embedded/model_index.json
          share/dragdiff/weights/embedded/unet/diffusion_pytorch_model.safetensors
          share/dragdiff/weights/embedded/vae/diffusion_pytorch_model.safetensors
          share/dragdiff/weights/embedded/context/encoder_hidden_states.safetensors
          share/dragdiff/weights/embedded/scheduler/scheduler_config.json
          share/dragdiff/samples/sample.png
          share/applications/io.github.dragdiff.DragDiff.desktop
          share/metainfo/io.github.dragdiff.DragDiff.metainfo.xml
          share/icons/hicolor/scalable/apps/io.github.dragdiff.DragDiff.svg)
  if(NOT EXISTS "${root}/${f}")
    message(FATAL_ERROR "not installed: ${root}/${f}")
  endif()
endforeach()

# The installed program must find the model through its own prefix: no override variable, and the
# reported path must lie inside the install tree (not the source tree's weights/).
execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=DRAGDIFF_WEIGHTS_DIR
                        ${root}/bin/dragdiff-cli info --model embedded --json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "installed dragdiff-cli info failed (${rc}):\n${out}\n${err}")
endif()
string(JSON model_path GET "${out}" path)
string(JSON family GET "${out}" family)
file(REAL_PATH "${root}/share/dragdiff/weights/embedded" expected)
file(REAL_PATH "${model_path}" got)
if(NOT got STREQUAL expected)
  message(FATAL_ERROR "installed dragdiff-cli loaded '${got}', expected the installed model '${expected}'")
endif()
if(NOT family STREQUAL "embedded")
  message(FATAL_ERROR "family is '${family}', expected 'embedded'")
endif()

# The desktop metadata must be valid where the validator is available.
find_program(APPSTREAMCLI appstreamcli)
if(APPSTREAMCLI)
  execute_process(COMMAND ${APPSTREAMCLI} validate --no-net --pedantic
                          ${root}/share/metainfo/io.github.dragdiff.DragDiff.metainfo.xml
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "appstreamcli validate failed (${rc}):\n${out}\n${err}")
  endif()
endif()
message(STATUS "installed to ${root}; dragdiff-cli info found the model at ${got}")
