// rdma: per device "hcaHandles"/"hcaObjects" -> rdma.max "<dev> hca_handle=N hca_object=N"
// (same file on v1 and v2). Absent members leave that limit unchanged.
#include "cgroup/controllers.hpp"

namespace rt::cgroup::detail {

void apply_rdma(const Target& t, const std::map<std::string, oci::RdmaLimit>& rdma,
                const Fields& f) {
    for (const auto& [device, limit] : rdma) {
        std::string field = "/rdma/" + device;
        if (device.empty() || device.find_first_of(" \n/") != std::string::npos)
            throw f.error(field, "invalid RDMA device name \"" + device + "\"");
        std::string line = device;
        if (limit.hcaHandles) line += " hca_handle=" + std::to_string(*limit.hcaHandles);
        if (limit.hcaObjects) line += " hca_object=" + std::to_string(*limit.hcaObjects);
        if (line == device) continue;
        f.write(t, "rdma.max", line, field);
    }
}

}  // namespace rt::cgroup::detail
