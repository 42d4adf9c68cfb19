#include "cgroup/path.hpp"

#include <vector>

#include "rt/error.hpp"

namespace rt::cgroup {

namespace {

Error bad(std::string_view field, const std::string& why) {
    return Error(std::string(field) + ": " + why, ErrorKind::InvalidArgument);
}

std::string quoted(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

// Splits on '/', drops "" and "."; nullopt when a ".." is present.
std::optional<std::vector<std::string_view>> components(std::string_view p) {
    std::vector<std::string_view> out;
    while (!p.empty()) {
        size_t s = p.find('/');
        auto part = p.substr(0, s);
        if (part == "..") return std::nullopt;
        if (!part.empty() && part != ".") out.push_back(part);
        if (s == std::string_view::npos) break;
        p.remove_prefix(s + 1);
    }
    return out;
}

std::string join_components(const std::vector<std::string_view>& parts, bool absolute) {
    std::string out;
    for (auto part : parts) {
        if (absolute || !out.empty()) out += '/';
        out.append(part);
    }
    return out;
}

}  // namespace

std::string expand_slice(std::string_view slice) {
    constexpr std::string_view suffix = ".slice";
    auto invalid = [&] {
        return Error("invalid systemd slice name " + quoted(slice), ErrorKind::InvalidArgument);
    };
    if (slice.size() <= suffix.size() || slice.substr(slice.size() - suffix.size()) != suffix ||
        slice.find('/') != std::string_view::npos)
        throw invalid();
    auto name = slice.substr(0, slice.size() - suffix.size());
    if (name == "-") return "/";
    std::string path, prefix;
    while (true) {
        size_t dash = name.find('-');
        auto part = name.substr(0, dash);
        if (part.empty()) throw invalid();  // "-a.slice", "a--b.slice", "a-.slice"
        path += "/" + prefix + std::string(part) + std::string(suffix);
        prefix += std::string(part) + "-";
        if (dash == std::string_view::npos) break;
        name.remove_prefix(dash + 1);
    }
    return path;
}

SystemdUnit resolve_systemd_unit(const std::optional<std::string>& cgroups_path,
                                 std::string_view id, std::string_view field) {
    std::string slice = "system.slice", prefix = "rt", name(id);
    if (cgroups_path && !cgroups_path->empty()) {
        const std::string& p = *cgroups_path;
        size_t a = p.find(':');
        size_t b = a == std::string::npos ? a : p.find(':', a + 1);
        if (b == std::string::npos || p.find(':', b + 1) != std::string::npos)
            throw bad(field,
                      "expected \"slice:prefix:name\" for systemd cgroups, got " + quoted(p));
        slice = p.substr(0, a);
        prefix = p.substr(a + 1, b - a - 1);
        name = p.substr(b + 1);
        if (slice.empty()) slice = "system.slice";
    }
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
        throw bad(field, "invalid systemd unit name " + quoted(name));
    if (prefix.find('/') != std::string::npos)
        throw bad(field, "invalid systemd unit prefix " + quoted(prefix));
    SystemdUnit unit;
    unit.slice = slice;
    if (name.size() > 6 && name.substr(name.size() - 6) == ".slice")
        unit.name = name;
    else
        unit.name = prefix.empty() ? name + ".scope" : prefix + "-" + name + ".scope";
    return unit;
}

CgroupPath resolve_cgroups_path(const std::optional<std::string>& cgroups_path, std::string_view id,
                                bool systemd, std::string_view field) {
    if (systemd) {
        SystemdUnit unit = resolve_systemd_unit(cgroups_path, id, field);
        std::string base;
        try {
            base = expand_slice(unit.slice);
        } catch (Error& e) {
            throw e.context(field);
        }
        return {base == "/" ? "/" + unit.name : base + "/" + unit.name};
    }
    std::string raw =
        cgroups_path && !cgroups_path->empty() ? *cgroups_path : "/" + std::string(id);
    auto parts = components(raw);
    if (!parts) throw bad(field, quoted(raw) + ": \"..\" is not allowed in a cgroup path");
    bool absolute = raw.front() == '/';
    if (parts->empty()) throw bad(field, quoted(raw) + ": a container cannot use the root cgroup");
    return {join_components(*parts, absolute)};
}

std::string hierarchy_path(const CgroupPath& path, std::string_view own, bool own_parent) {
    if (!path.relative()) return path.path;
    std::string base(own.empty() ? "/" : own);
    if (own_parent) {
        size_t slash = base.find_last_of('/');
        base = slash == 0 || slash == std::string::npos ? "/" : base.substr(0, slash);
    }
    if (base.back() != '/') base += '/';
    return base + path.path;
}

}  // namespace rt::cgroup
