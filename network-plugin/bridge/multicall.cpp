#include "bridge/multicall.hpp"

#include "bridge/bridge.hpp"
#include "ipam/host_local.hpp"

namespace rt::bridge {

namespace {
constexpr std::string_view kIpamSuffix = "host-local";
}  // namespace

bool runs_host_local(std::string_view program) {
    auto slash = program.rfind('/');
    std::string_view name = slash == std::string_view::npos ? program : program.substr(slash + 1);
    return name.size() >= kIpamSuffix.size() &&
           name.substr(name.size() - kIpamSuffix.size()) == kIpamSuffix;
}

const cni::Plugin& plugin_for_program(std::string_view program) {
    static const cni::Plugin bridge = bridge_plugin();
    static const cni::Plugin host_local = ipam::host_local_plugin();
    return runs_host_local(program) ? host_local : bridge;
}

const cni::Plugin* builtin_ipam(std::string_view type) {
    return runs_host_local(type) ? &plugin_for_program(type) : nullptr;
}

}  // namespace rt::bridge
