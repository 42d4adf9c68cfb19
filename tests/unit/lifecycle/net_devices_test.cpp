// linux.netDevices checks made before anything exists (no root needed): the devices need a
// network namespace of the container's own.
#include <boost/test/unit_test.hpp>
#include <string>

#include "linux/namespaces.hpp"
#include "linux/net_devices.hpp"
#include "rt/error.hpp"

using rt::linux::check_net_devices_target;
using rt::linux::plan_namespaces;

namespace {
std::string error_of(const std::vector<rt::oci::Namespace>& namespaces) {
    try {
        check_net_devices_target(plan_namespaces(namespaces));
    } catch (const rt::Error& e) {
        return e.what();
    }
    return "";
}
}  // namespace

BOOST_AUTO_TEST_CASE(net_devices_need_a_network_namespace) {
    BOOST_TEST(error_of({{"mount", {}}, {"pid", {}}}) ==
               "config.json: /linux/netDevices: moving network devices needs a \"network\" entry "
               "in /linux/namespaces (the container shares rt's network namespace)");
}

BOOST_AUTO_TEST_CASE(net_devices_into_a_new_network_namespace_are_fine) {
    BOOST_TEST(error_of({{"mount", {}}, {"network", {}}}) == "");
}

BOOST_AUTO_TEST_CASE(net_devices_into_rt_own_namespace_are_an_error) {
    BOOST_TEST(error_of({{"mount", {}}, {"network", "/proc/self/ns/net"}}) ==
               "config.json: /linux/netDevices: the network namespace joined by path is rt's "
               "own: there is nowhere to move the devices to");
}
