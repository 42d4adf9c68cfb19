#include "cni/version.hpp"

#include <algorithm>

#include "cni/error.hpp"

namespace rt::cni {

int code_of(const rt::Error& e) {
    if (auto* c = dynamic_cast<const CniError*>(&e)) return c->code();
    if (e.kind() == ErrorKind::InvalidArgument) return kInvalidConfig;
    return kInternal;
}

bool is_supported_version(std::string_view v) {
    return std::find(kSupportedVersions.begin(), kSupportedVersions.end(), v) !=
           kSupportedVersions.end();
}

namespace {
bool parse_version(std::string_view v, std::array<long, 3>& out) {
    int part = 0;
    long cur = -1;
    for (char c : v) {
        if (c == '.') {
            if (cur < 0 || part == 2) return false;
            out[static_cast<std::size_t>(part++)] = cur;
            cur = -1;
        } else if (c >= '0' && c <= '9') {
            cur = (cur < 0 ? 0 : cur * 10) + (c - '0');
            if (cur > 1000000) return false;
        } else {
            return false;
        }
    }
    if (cur < 0 || part != 2) return false;
    out[2] = cur;
    return true;
}
}  // namespace

int compare_versions(std::string_view a, std::string_view b) {
    std::array<long, 3> va{}, vb{};
    if (!parse_version(a, va))
        throw CniError(kDecodeFailure, "invalid version \"" + std::string(a) + "\": must be X.Y.Z");
    if (!parse_version(b, vb))
        throw CniError(kDecodeFailure, "invalid version \"" + std::string(b) + "\": must be X.Y.Z");
    return va < vb ? -1 : va > vb ? 1 : 0;
}

std::string supported_versions_text() {
    std::string s;
    for (auto v : kSupportedVersions) {
        if (!s.empty()) s += ", ";
        s += v;
    }
    return s;
}

}  // namespace rt::cni
