# Dependency discovery for gpta's own build (gptaConfig.cmake.in mirrors it for consumers).
# Every dependency comes from the system; nothing is vendored or downloaded.
include_guard(GLOBAL)

macro(_gpta_find name)
  find_package(${name} ${ARGN} REQUIRED)
endmacro()

function(gpta_link_core_dependencies target)
  _gpta_find(Eigen3 3.4 CONFIG)
  # Boost.JSON carries run records, checkpoints and the safetensors header: it belongs to core.
  _gpta_find(Boost 1.81 CONFIG COMPONENTS json)
  _gpta_find(Threads)
  target_link_libraries(${target} INTERFACE Eigen3::Eigen Boost::json Threads::Threads)
  if(GPTA_USE_OPENMP)
    _gpta_find(OpenMP COMPONENTS CXX)
    target_link_libraries(${target} INTERFACE OpenMP::OpenMP_CXX)
    target_compile_definitions(${target} INTERFACE GPTA_USE_OPENMP=1)
  endif()
endfunction()

function(gpta_link_llm_dependencies target)
  _gpta_find(Boost 1.81 CONFIG COMPONENTS json)
  _gpta_find(OpenSSL 3)
  target_link_libraries(${target} INTERFACE Boost::headers Boost::json OpenSSL::SSL OpenSSL::Crypto)
  target_compile_definitions(${target} INTERFACE GPTA_HAS_LLM=1 BOOST_ASIO_NO_DEPRECATED)
endfunction()

function(gpta_link_mpi_dependencies target)
  set(MPI_CXX_SKIP_MPICXX ON CACHE BOOL "gpta uses the C API of MPI only")
  _gpta_find(MPI COMPONENTS CXX)
  target_link_libraries(${target} INTERFACE MPI::MPI_CXX)
  target_compile_definitions(${target} INTERFACE GPTA_HAS_MPI=1)
endfunction()

# Thrust from the CUDA toolkit's CCCL (never Debian's libthrust-dev, an older Thrust in /usr/include).
function(gpta_link_thrust_dependencies target device)
  find_path(GPTA_CCCL_INCLUDE_DIR thrust/version.h
    HINTS ${CUDAToolkit_ROOT} $ENV{CUDA_HOME} /usr/local/cuda
    PATH_SUFFIXES include/cccl include NO_DEFAULT_PATH)
  if(NOT GPTA_CCCL_INCLUDE_DIR)
    message(FATAL_ERROR "gpta::thrust: Thrust (CCCL) headers not found; install the CUDA toolkit or set CUDAToolkit_ROOT, or configure with -DGPTA_ENABLE_THRUST=OFF")
  endif()
  if(NOT device MATCHES "^(CPP|OMP|CUDA)$")
    message(FATAL_ERROR "gpta::thrust: GPTA_THRUST_DEVICE must be CPP, OMP or CUDA, got '${device}'")
  endif()
  target_include_directories(${target} SYSTEM INTERFACE ${GPTA_CCCL_INCLUDE_DIR})
  target_compile_definitions(${target} INTERFACE
    THRUST_DEVICE_SYSTEM=THRUST_DEVICE_SYSTEM_${device}
    THRUST_HOST_SYSTEM=THRUST_HOST_SYSTEM_CPP
    GPTA_THRUST_DEVICE_${device}=1)
  if(device STREQUAL "OMP")
    _gpta_find(OpenMP COMPONENTS CXX)
    target_link_libraries(${target} INTERFACE OpenMP::OpenMP_CXX)
  elseif(device STREQUAL "CUDA")
    _gpta_find(CUDAToolkit)
    target_link_libraries(${target} INTERFACE CUDA::cudart CUDA::cublas)
  endif()
endfunction()

# A CBLAS library for the host GEMM policy (GPTA_GEMM): Debian's OpenMP builds keep their cblas.h
# and library in a folder of their own (openblas-openmp, blis-openmp), so both can be installed.
# gpta_link_cblas(<target> <INTERFACE|PRIVATE> <openblas|blis> [REQUIRED]); without REQUIRED a
# missing library sets <name>_CBLAS_FOUND to FALSE in the caller instead of failing.
function(gpta_link_cblas target scope name)
  if(name STREQUAL "openblas")
    set(_lib openblas)
    set(_pkg libopenblas-openmp-dev)
  elseif(name STREQUAL "blis")
    set(_lib blis)
    set(_pkg libblis-openmp-dev)
  else()
    message(FATAL_ERROR "gpta: GPTA_GEMM must be eigen, openblas or blis, got '${name}'")
  endif()
  set(_arch ${CMAKE_LIBRARY_ARCHITECTURE})
  find_path(GPTA_CBLAS_INCLUDE_DIR_${name} cblas.h
    HINTS /usr/include/${_arch}/${name}-openmp /usr/include/${name}-openmp /usr/include/${name}
    PATH_SUFFIXES ${name}-openmp ${name})
  find_library(GPTA_CBLAS_LIBRARY_${name} ${_lib}
    HINTS /usr/lib/${_arch}/${name}-openmp /usr/lib/${name}-openmp
    PATH_SUFFIXES ${name}-openmp)
  if(NOT GPTA_CBLAS_INCLUDE_DIR_${name} OR NOT GPTA_CBLAS_LIBRARY_${name})
    if("REQUIRED" IN_LIST ARGN)
      message(FATAL_ERROR "gpta: GPTA_GEMM=${name}: cblas.h or lib${_lib} not found (Debian: apt install ${_pkg})")
    endif()
    set(${name}_CBLAS_FOUND FALSE PARENT_SCOPE)
    return()
  endif()
  target_include_directories(${target} SYSTEM ${scope} ${GPTA_CBLAS_INCLUDE_DIR_${name}})
  target_link_libraries(${target} ${scope} ${GPTA_CBLAS_LIBRARY_${name}})
  set(${name}_CBLAS_FOUND TRUE PARENT_SCOPE)
endfunction()
