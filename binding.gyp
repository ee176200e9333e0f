{
  # The VMM core is plain C++ (native/core); it is built once as a static
  # library and linked into two thin fronts: the N-API addon and kickvmm.
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
    "cflags": ["-fPIC"],
    "include_dirs": ["native/core"]
  },
  "targets": [
    {
      "target_name": "kickvmm_core",
      "type": "static_library",
      "sources": ["<!@(ls -1 native/core/*.cc native/core/*/*.cc 2>/dev/null)"]
    },
    {
      "target_name": "kickvmm",
      "type": "executable",
      "dependencies": ["kickvmm_core"],
      "sources": ["native/kickvmm/main.cc"],
      "libraries": ["-lpthread"]
    },
    {
      "target_name": "kickvmm_addon",
      "dependencies": ["kickvmm_core"],
      "sources": ["native/addon/addon.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS"]
    },
    {
      # The probe's block phases run directly on the host (kickbench's "host" peer).
      "target_name": "hostio",
      "type": "executable",
      "sources": ["native/hostio/hostio.c", "native/guest/pattern.c"],
      "include_dirs": ["native/guest"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"],
      "libraries": ["-lpthread"]
    },
    {
      "target_name": "native_unit_tests",
      "type": "executable",
      "dependencies": ["kickvmm_core"],
      "sources": ["<!@(ls -1 native/tests/*.cc 2>/dev/null)"],
      "libraries": ["-lgtest", "-lgtest_main", "-lpthread"]
    }
  ]
}
