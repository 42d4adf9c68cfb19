#include "net/cni_config.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/fd.hpp"
#include "rt/error.hpp"
#include "rt/json_check.hpp"

namespace rt::net {
namespace {

[[noreturn]] void invalid(const std::string& origin, const std::string& what) {
    throw Error(origin + ": " + what, ErrorKind::InvalidArgument);
}

std::string read_file(const std::string& path) {
    base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("read " + path);
    std::string text;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read " + path);
        }
        if (n == 0) break;
        text.append(buf, static_cast<size_t>(n));
    }
    return text;
}

std::string to_json(const rapidjson::Value& value) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
    return std::string(buffer.GetString(), buffer.GetSize());
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

bool supported_cni_version(std::string_view v) {
    return v == "0.3.0" || v == "0.3.1" || v == "0.4.0" || v == "1.0.0" || v == "1.1.0";
}

NetworkConfig parse_network_config(std::string_view text, const std::string& origin) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError())
        invalid(origin, "offset " + std::to_string(doc.GetErrorOffset()) + ": " +
                            rapidjson::GetParseError_En(doc.GetParseError()));
    if (!doc.IsObject()) invalid(origin, "expected a JSON object");
    // What the plugins refuse too (cni/json.cpp): refused here, before any plugin runs.
    if (auto found = json_check::check(doc, {.reject_nul = true}))
        invalid(origin, found.pointer() + ": " + found.reason());

    auto string_member = [&](const rapidjson::Value& obj, const char* key,
                             const std::string& path) -> std::string {
        auto it = obj.FindMember(key);
        if (it == obj.MemberEnd()) invalid(origin, path + ": missing");
        if (!it->value.IsString() || it->value.GetStringLength() == 0)
            invalid(origin, path + ": expected a non-empty string");
        return it->value.GetString();
    };

    NetworkConfig config;
    config.source = origin;
    config.name = string_member(doc, "name", "/name");
    config.cni_version = string_member(doc, "cniVersion", "/cniVersion");
    if (!supported_cni_version(config.cni_version))
        invalid(origin, "/cniVersion: \"" + config.cni_version +
                            "\" is not supported (0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0)");

    if (doc.HasMember("plugins")) {
        const auto& plugins = doc["plugins"];
        if (!plugins.IsArray() || plugins.Empty())
            invalid(origin, "/plugins: expected a non-empty array");
        for (rapidjson::SizeType i = 0; i < plugins.Size(); ++i) {
            std::string path = "/plugins/" + std::to_string(i);
            if (!plugins[i].IsObject()) invalid(origin, path + ": expected an object");
            config.plugin_types.push_back(string_member(plugins[i], "type", path + "/type"));
        }
        config.conflist = to_json(doc);
    } else {
        // A single network (.conf): the whole object is the one plugin's config.
        config.plugin_types.push_back(string_member(doc, "type", "/type"));
        rapidjson::Document list(rapidjson::kObjectType);
        auto& la = list.GetAllocator();
        list.AddMember("cniVersion", rapidjson::Value(config.cni_version.c_str(), la), la);
        list.AddMember("name", rapidjson::Value(config.name.c_str(), la), la);
        rapidjson::Value plugins(rapidjson::kArrayType);
        rapidjson::Value plugin(doc, la);
        plugins.PushBack(plugin, la);
        list.AddMember("plugins", plugins, la);
        config.conflist = to_json(list);
    }
    for (const auto& type : config.plugin_types)
        if (type.find('/') != std::string::npos || type == "." || type == "..")
            invalid(origin, "plugin type \"" + type + "\" must be a plain file name");
    return config;
}

NetworkConfig load_network(const std::string& dir, const std::string& name) {
    std::vector<std::string> files;
    {
        DIR* d = ::opendir(dir.c_str());
        if (!d) throw Error("CNI config dir " + dir, errno, ErrorKind::NotFound);
        while (dirent* entry = ::readdir(d)) {
            std::string file = entry->d_name;
            if (file[0] == '.') continue;
            if (ends_with(file, ".conflist") || ends_with(file, ".conf") ||
                ends_with(file, ".json"))
                files.push_back(file);
        }
        ::closedir(d);
    }
    std::sort(files.begin(), files.end());
    std::string unreadable;
    for (const auto& file : files) {
        std::string path = dir + "/" + file;
        try {
            NetworkConfig config = parse_network_config(read_file(path), path);
            if (config.name == name) return config;
        } catch (const Error& e) {
            unreadable += (unreadable.empty() ? "" : "; ") + e.message();
        }
    }
    std::string message = "network \"" + name + "\": no conflist with that name in " + dir;
    if (!unreadable.empty()) message += " (skipped: " + unreadable + ")";
    throw Error(message, ErrorKind::NotFound);
}

}  // namespace rt::net
