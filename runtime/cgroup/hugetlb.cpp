// hugepageLimits: per page size ("2MB", "1GB").
//   v1: hugetlb.<size>.limit_in_bytes (+ hugetlb.<size>.rsvd.limit_in_bytes when present)
//   v2: hugetlb.<size>.max            (+ hugetlb.<size>.rsvd.max when present)
// Reservations are limited too so that a reservation made at mmap time cannot exceed the
// limit and fault later (as runc does on kernels that have the rsvd files).
#include "cgroup/controllers.hpp"

namespace rt::cgroup::detail {

namespace {

bool valid_page_size(const std::string& s) {
    size_t digits = 0;
    while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
    if (digits == 0 || s.size() != digits + 2) return false;
    auto unit = s.substr(digits);
    return unit == "KB" || unit == "MB" || unit == "GB";
}

}  // namespace

void apply_hugetlb(const Target& t, const std::vector<oci::HugepageLimit>& limits,
                   const Fields& f) {
    for (size_t i = 0; i < limits.size(); ++i) {
        const auto& l = limits[i];
        std::string field = "/hugepageLimits/" + std::to_string(i);
        if (!valid_page_size(l.pageSize))
            throw f.error(field + "/pageSize",
                          "expected a size like \"2MB\" or \"1GB\", got \"" + l.pageSize + "\"");
        std::string base = "hugetlb." + l.pageSize + (t.v2 ? ".max" : ".limit_in_bytes");
        if (!f.has_file(t, base))
            throw f.error(
                field + "/pageSize",
                "huge page size " + l.pageSize + " is not supported by this host (no " + base + ")",
                ErrorKind::Unsupported);
        std::string value = std::to_string(l.limit);
        f.write(t, base, value, field + "/limit");
        std::string rsvd = "hugetlb." + l.pageSize + (t.v2 ? ".rsvd.max" : ".rsvd.limit_in_bytes");
        if (f.has_file(t, rsvd)) f.write(t, rsvd, value, field + "/limit");
    }
}

}  // namespace rt::cgroup::detail
