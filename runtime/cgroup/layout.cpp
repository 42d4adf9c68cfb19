#include "cgroup/layout.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>

#include "cgroup/fs.hpp"
#include "rt/error.hpp"

namespace rt::cgroup {

std::string_view to_string(LayoutKind kind) noexcept {
    switch (kind) {
        case LayoutKind::Legacy:
            return "legacy";
        case LayoutKind::Hybrid:
            return "hybrid";
        case LayoutKind::Unified:
            return "unified";
    }
    return "unified";
}

std::optional<LayoutKind> layout_kind_from_string(std::string_view s) noexcept {
    if (s == "legacy") return LayoutKind::Legacy;
    if (s == "hybrid") return LayoutKind::Hybrid;
    if (s == "unified") return LayoutKind::Unified;
    return std::nullopt;
}

bool V1Hierarchy::has(std::string_view controller) const noexcept {
    return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

std::string V1Hierarchy::key() const {
    std::string k;
    for (const auto& c : controllers) {
        if (!k.empty()) k += ',';
        k += c;
    }
    return k;
}

bool UnifiedMount::has(std::string_view controller) const noexcept {
    return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

const V1Hierarchy* Layout::v1_for(std::string_view controller) const noexcept {
    for (const auto& h : v1)
        if (h.has(controller)) return &h;
    return nullptr;
}

bool Layout::has_controller(std::string_view controller) const noexcept {
    return v1_for(controller) != nullptr || (unified && unified->has(controller));
}

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        auto oct = [](char c) { return c >= '0' && c <= '7'; };
        if (s[i] == '\\' && i + 3 < s.size() && oct(s[i + 1]) && oct(s[i + 2]) && oct(s[i + 3])) {
            out.push_back(
                static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
            i += 3;
            continue;
        }
        out.push_back(s[i]);
    }
    return out;
}

// Mount options of a v1 cgroup mount that are not controllers.
bool is_v1_flag(std::string_view opt) {
    static constexpr std::string_view kFlags[] = {"rw",
                                                  "ro",
                                                  "xattr",
                                                  "noprefix",
                                                  "clone_children",
                                                  "cpuset_v2_mode",
                                                  "favordynmods",
                                                  "nofavordynmods",
                                                  "none",
                                                  "all"};
    if (std::find(std::begin(kFlags), std::end(kFlags), opt) != std::end(kFlags)) return true;
    return opt.find('=') != std::string_view::npos && opt.substr(0, 5) != "name=";
}

std::vector<std::string> split_commas(std::string_view s) {
    std::vector<std::string> out;
    while (!s.empty()) {
        size_t c = s.find(',');
        auto part = s.substr(0, c);
        if (!part.empty()) out.emplace_back(part);
        if (c == std::string_view::npos) break;
        s.remove_prefix(c + 1);
    }
    return out;
}

bool visible(const MountEntry& m) {
    struct stat st {};
    if (::stat(m.mount_point.c_str(), &st) != 0) return false;
    return st.st_dev == makedev(m.major, m.minor);
}

}  // namespace

std::vector<MountEntry> parse_mountinfo(std::string_view text) {
    std::vector<MountEntry> out;
    for (auto line : fs::split_lines(text)) {
        auto w = fs::split_words(line);
        // id parent major:minor root mount_point options [optional...] - fstype source super
        auto sep = std::find(w.begin(), w.end(), std::string_view("-"));
        if (w.size() < 6 || sep == w.end() || w.end() - sep < 4) continue;
        MountEntry m;
        auto devs = w[2];
        size_t colon = devs.find(':');
        if (colon == std::string_view::npos) continue;
        auto maj = fs::parse_u64(devs.substr(0, colon));
        auto min = fs::parse_u64(devs.substr(colon + 1));
        if (!maj || !min) continue;
        m.major = static_cast<unsigned>(*maj);
        m.minor = static_cast<unsigned>(*min);
        m.root = unescape(w[3]);
        m.mount_point = unescape(w[4]);
        m.fstype = std::string(sep[1]);
        m.source = unescape(sep[2]);
        m.super_options = std::string(sep[3]);
        out.push_back(std::move(m));
    }
    return out;
}

std::map<std::string, std::string> parse_proc_cgroup(std::string_view text) {
    std::map<std::string, std::string> out;
    for (auto line : fs::split_lines(text)) {
        // hierarchy-id:controller-list:path (the path may itself contain ':')
        size_t a = line.find(':');
        if (a == std::string_view::npos) continue;
        size_t b = line.find(':', a + 1);
        if (b == std::string_view::npos) continue;
        out[std::string(line.substr(a + 1, b - a - 1))] = std::string(line.substr(b + 1));
    }
    return out;
}

Layout detect_layout(const DetectOptions& options) {
    auto mounts = parse_mountinfo(fs::read_file(options.mountinfo));
    Layout layout;
    for (auto& m : mounts) {
        if (m.fstype != "cgroup" && m.fstype != "cgroup2") continue;
        if (options.check_visible && !visible(m)) continue;
        if (m.fstype == "cgroup2") {
            // Prefer the conventional location when cgroup2 is mounted more than once.
            if (layout.unified && m.mount_point != "/sys/fs/cgroup") continue;
            layout.unified = UnifiedMount{m.mount_point, m.root, {}};
            continue;
        }
        V1Hierarchy h{m.mount_point, m.root, {}};
        for (auto& opt : split_commas(m.super_options))
            if (!is_v1_flag(opt)) h.controllers.push_back(std::move(opt));
        if (h.controllers.empty()) continue;
        // A hierarchy bind-mounted twice: keep the first mount.
        bool dup = std::any_of(layout.v1.begin(), layout.v1.end(), [&](const V1Hierarchy& o) {
            return o.controllers == h.controllers;
        });
        if (!dup) layout.v1.push_back(std::move(h));
    }
    if (layout.unified) {
        auto text =
            fs::read_file_if_exists(fs::join(layout.unified->mount_point, "cgroup.controllers"));
        if (text)
            for (auto w : fs::split_words(fs::trim(*text)))
                layout.unified->controllers.emplace_back(w);
    }
    bool v1_controllers = std::any_of(layout.v1.begin(), layout.v1.end(), [](const V1Hierarchy& h) {
        return std::any_of(h.controllers.begin(), h.controllers.end(),
                           [](const std::string& c) { return c.rfind("name=", 0) != 0; });
    });
    if (!v1_controllers && !layout.unified) {
        throw Error("cgroups: no cgroup filesystem is mounted (" + options.mountinfo + ")",
                    ErrorKind::Unsupported);
    }
    layout.kind = !v1_controllers  ? LayoutKind::Unified
                  : layout.unified ? LayoutKind::Hybrid
                                   : LayoutKind::Legacy;
    if (auto text = fs::read_file_if_exists(options.self_cgroup))
        layout.own = parse_proc_cgroup(*text);
    return layout;
}

}  // namespace rt::cgroup
