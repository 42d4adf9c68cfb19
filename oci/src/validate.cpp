#include "rt/oci/validate.hpp"

#include <charconv>

#include "rt/error.hpp"
#include "rt/oci/names.hpp"

namespace rt::oci {
namespace {

struct Checker {
    std::vector<ValidationIssue> issues;

    void error(std::string pointer, std::string reason) {
        issues.push_back({std::move(pointer), std::move(reason), false});
    }
    void warn(std::string pointer, std::string reason) {
        issues.push_back({std::move(pointer), std::move(reason), true});
    }
};

// Parses "MAJOR.MINOR.PATCH[-pre][+build]" (SemVer 2.0.0 core); false when malformed.
bool parse_semver(std::string_view text, unsigned (&parts)[3]) {
    size_t pos = 0;
    for (int i = 0; i < 3; ++i) {
        if (i > 0) {
            if (pos >= text.size() || text[pos] != '.') return false;
            ++pos;
        }
        size_t start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
        if (pos == start || (text[start] == '0' && pos - start > 1)) return false;
        auto [end, ec] = std::from_chars(text.data() + start, text.data() + pos, parts[i]);
        if (ec != std::errc() || end != text.data() + pos) return false;
    }
    if (pos == text.size()) return true;
    if (text[pos] != '-' && text[pos] != '+') return false;
    if (pos + 1 == text.size()) return false;
    for (size_t i = pos + 1; i < text.size(); ++i) {
        char c = text[i];
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  c == '-' || c == '.' || c == '+';
        if (!ok) return false;
    }
    return true;
}

void check_version(Checker& c, const Spec& spec) {
    unsigned v[3] = {0, 0, 0};
    if (!parse_semver(spec.ociVersion, v)) {
        c.error("/ociVersion",
                "invalid version \"" + spec.ociVersion + "\" (expected SemVer MAJOR.MINOR.PATCH)");
        return;
    }
    // Range 1.0.0 .. 1.3.x by MAJOR.MINOR.PATCH; pre-release tags are ignored because tools
    // write their vendored spec version as e.g. "1.0.2-dev" (runc spec) or "1.1.0-rc.1".
    if (v[0] != 1 || v[1] > 3) {
        c.error("/ociVersion",
                "unsupported version \"" + spec.ociVersion + "\" (rt supports 1.0.0 to 1.3.x)");
    }
}

}  // namespace

std::vector<ValidationIssue> check_config(const Spec& spec) {
    Checker c;
    check_version(c, spec);
    if (!spec.root) {
        c.error("/root", "required");
    } else if (spec.root->path.empty()) {
        c.error("/root/path", "must not be empty");
    }
    if (spec.linux && spec.linux->resources) {
        const auto& limits = spec.linux->resources->hugepageLimits;
        for (size_t i = 0; i < limits.size(); ++i) {
            // Schema pattern ^[1-9][0-9]*[KMG]B$.
            const std::string& size = limits[i].pageSize;
            bool ok = size.size() >= 3 && size[0] >= '1' && size[0] <= '9' && size.back() == 'B' &&
                      std::string_view("KMG").find(size[size.size() - 2]) != std::string_view::npos;
            for (size_t k = 1; ok && k + 2 < size.size(); ++k)
                ok = size[k] >= '0' && size[k] <= '9';
            if (!ok) {
                c.error("/linux/resources/hugepageLimits/" + std::to_string(i) + "/pageSize",
                        "invalid page size \"" + size + "\" (expected e.g. 2MB, 1GB)");
            }
        }
    }
    return std::move(c.issues);
}

std::string format_issue(const ValidationIssue& issue, std::string_view origin) {
    std::string text(origin);
    text += ": ";
    text += issue.pointer;
    text += ": ";
    text += issue.reason;
    return text;
}

std::vector<ValidationIssue> validate_config(const Spec& spec, std::string_view origin) {
    std::vector<ValidationIssue> issues = check_config(spec);
    std::vector<ValidationIssue> warnings;
    for (ValidationIssue& issue : issues) {
        if (!issue.warning) throw Error(format_issue(issue, origin), ErrorKind::InvalidArgument);
        warnings.push_back(std::move(issue));
    }
    return warnings;
}

}  // namespace rt::oci
