// Internal: one writer per controller, each writing the v1 or the v2 files of one cgroup
// directory. The Manager picks the directory (hierarchy) per controller; unit tests call
// the writers directly on a fake tree.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cgroup/device_rules.hpp"
#include "rt/error.hpp"
#include "rt/oci/spec.hpp"

namespace rt::cgroup::detail {

// A cgroup directory and the version of its files.
struct Target {
    std::string dir;
    bool v2 = false;
};

// Builds errors that name the field: "<origin><field>: why".
class Fields {
  public:
    explicit Fields(std::string origin) : origin_(std::move(origin)) {}
    Error error(std::string_view field, const std::string& why,
                ErrorKind kind = ErrorKind::InvalidArgument) const;
    // Writes one value; on failure throws `<origin><field>: write "v" to <path>: <errno>`.
    void write(const Target& t, std::string_view file, std::string_view value,
               std::string_view field) const;
    // As write for several values, each its own write(2), through one open of the file.
    void write_all(const Target& t, std::string_view file, const std::vector<std::string>& values,
                   std::string_view field) const;
    // As write; returns the errno instead of throwing.
    int try_write(const Target& t, std::string_view file, std::string_view value) const noexcept;
    bool has_file(const Target& t, std::string_view file) const;
    const std::string& origin() const noexcept { return origin_; }

  private:
    std::string origin_;
};

void apply_memory(const Target& t, const oci::MemoryResources& m, const Fields& f, bool update);
void apply_cpu(const Target& t, const oci::CpuResources& c, const Fields& f);
void apply_cpuset(const Target& t, const oci::CpuResources& c, const Fields& f);
void apply_pids(const Target& t, const oci::PidsResources& p, const Fields& f);
void apply_blkio(const Target& t, const oci::BlockIoResources& b, const Fields& f);
void apply_hugetlb(const Target& t, const std::vector<oci::HugepageLimit>& limits, const Fields& f);
void apply_net_cls(const Target& t, uint32_t class_id, const Fields& f);
void apply_net_prio(const Target& t, const std::vector<oci::NetworkPriority>& prios,
                    const Fields& f);
void apply_rdma(const Target& t, const std::map<std::string, oci::RdmaLimit>& rdma,
                const Fields& f);
// Writes linux.resources.unified on a cgroup2 directory; v1_controller(name) tells whether a
// controller lives on v1 on this host (hybrid), which makes its keys an error.
void apply_unified(const Target& t, const oci::StringMap& unified, const Fields& f,
                   const std::vector<std::string>& v1_controllers);
void apply_devices_v1(const Target& t, const std::vector<DeviceRule>& rules, const Fields& f);
void apply_devices_v2(const Target& t, const std::vector<DeviceRule>& rules, const Fields& f);

// New v1 cpuset cgroups start with empty cpus/mems, which makes joining them fail: copy the
// parent's values into each created directory, top-down (as runc does).
void init_cpuset_dirs(const std::vector<std::string>& created_deepest_first);

}  // namespace rt::cgroup::detail
