// rt-bridge and rt-host-local: one executable, the name it runs as picks the plugin
// (bridge/multicall.hpp).
#include "bridge/multicall.hpp"
#include "cni/delegate.hpp"

int main(int argc, char** argv) {
    rt::cni::set_builtin_plugins(rt::bridge::builtin_ipam);
    return rt::cni::run_main(rt::bridge::plugin_for_program(argc > 0 ? argv[0] : ""));
}
