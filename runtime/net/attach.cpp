#include "net/attach.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <strings.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/crash_point.hpp"
#include "base/fd.hpp"
#include "base/log.hpp"
#include "net/cni_config.hpp"
#include "net/plugin.hpp"
#include "rt/error.hpp"

namespace rt::net {
namespace {

using rapidjson::Document;
using rapidjson::Value;

const char kRecordFile[] = "networks.json";

std::string to_json(const Value& value) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
    return std::string(buffer.GetString(), buffer.GetSize());
}

Document parse_or_throw(const std::string& text, const std::string& what) {
    Document doc;
    doc.Parse(text.c_str(), text.size());
    if (doc.HasParseError() || !doc.IsObject())
        throw Error(what + ": not a JSON object", ErrorKind::InvalidArgument);
    return doc;
}

// 16 bytes of an address (IPv4 mapped) for comparing "10.0.0.5/24" with "10.0.0.5".
bool address_bytes(std::string_view text, unsigned char out[16]) {
    std::string addr(text.substr(0, text.find('/')));
    std::memset(out, 0, 16);
    if (inet_pton(AF_INET6, addr.c_str(), out) == 1) return true;
    unsigned char v4[4];
    if (inet_pton(AF_INET, addr.c_str(), v4) != 1) return false;
    out[10] = out[11] = 0xff;
    std::memcpy(out + 12, v4, 4);
    return true;
}

bool same_address(std::string_view a, std::string_view b) {
    unsigned char x[16], y[16];
    return address_bytes(a, x) && address_bytes(b, y) && std::memcmp(x, y, 16) == 0;
}

// The request was honoured: every asked-for address is in the result, and the container
// interface has the asked-for MAC. Plugins that ignore runtimeConfig/args/CNI_ARGS would
// otherwise silently give something else.
void check_result(const std::string& result, const NetworkRequest& request) {
    if (request.ips.empty() && request.mac.empty()) return;
    Document doc = parse_or_throw(result, "result");
    for (const auto& ip : request.ips) {
        bool found = false;
        if (doc.HasMember("ips") && doc["ips"].IsArray())
            for (const auto& entry : doc["ips"].GetArray())
                if (entry.IsObject() && entry.HasMember("address") && entry["address"].IsString() &&
                    same_address(entry["address"].GetString(), ip))
                    found = true;
        if (!found)
            throw Error("requested address " + ip + " was not assigned (result: " + result + ")",
                        ErrorKind::Unsupported);
    }
    if (request.mac.empty()) return;
    if (doc.HasMember("interfaces") && doc["interfaces"].IsArray())
        for (const auto& itf : doc["interfaces"].GetArray()) {
            if (!itf.IsObject() || !itf.HasMember("name") || !itf["name"].IsString()) continue;
            bool in_container = itf.HasMember("sandbox") && itf["sandbox"].IsString() &&
                                itf["sandbox"].GetStringLength() > 0;
            if (!in_container || request.ifname != itf["name"].GetString()) continue;
            if (itf.HasMember("mac") && itf["mac"].IsString() &&
                ::strcasecmp(itf["mac"].GetString(), request.mac.c_str()) == 0)
                return;
        }
    throw Error("requested mac " + request.mac + " was not set on " + request.ifname,
                ErrorKind::Unsupported);
}

void write_record(const std::string& state_dir, const AttachmentRecord& record) {
    std::string path = state_dir + "/" + kRecordFile;
    std::string tmp = path + ".tmp";
    std::string text = serialize_attachments(record);
    base::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd) throw_errno("write " + tmp);
    std::string_view rest = text;
    while (!rest.empty()) {
        ssize_t n = ::write(fd.get(), rest.data(), rest.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::unlink(tmp.c_str());
            throw Error("write " + tmp, err);
        }
        rest.remove_prefix(static_cast<size_t>(n));
    }
    fd.reset();
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw Error("rename " + tmp, err);
    }
}

size_t plugin_count(const std::string& conflist) {
    Document doc = parse_or_throw(conflist, "conflist");
    return doc["plugins"].Size();
}

std::string plugin_type(const std::string& conflist, size_t index) {
    Document doc = parse_or_throw(conflist, "conflist");
    return doc["plugins"][static_cast<rapidjson::SizeType>(index)]["type"].GetString();
}

bool prev_result_on_del(const std::string& version) {
    return version != "0.3.0" && version != "0.3.1";
}

// DEL of one network: every plugin, last first. Returns the failures.
std::vector<std::string> del_network(const Attachment& a, const std::vector<std::string>& dirs,
                                     const std::string& container_id, const std::string& netns) {
    std::vector<std::string> errors;
    size_t count = 0;
    try {
        count = plugin_count(a.conflist);
    } catch (const Error& e) {
        errors.push_back("network " + a.request.name + ": " + e.message());
        return errors;
    }
    PluginCall call{"DEL", container_id, netns, a.request.ifname, cni_args(a.request), dirs};
    std::string prev = prev_result_on_del(a.cni_version) ? a.result : "";
    for (size_t i = count; i-- > 0;) {
        try {
            std::string exe = find_plugin(plugin_type(a.conflist, i), dirs);
            run_plugin(exe, call, plugin_stdin(a.conflist, i, a.request, prev));
        } catch (const Error& e) {
            errors.push_back("network " + a.request.name + ": " + e.message());
        }
    }
    return errors;
}

}  // namespace

std::string cni_args(const NetworkRequest& request) {
    std::string args = "IgnoreUnknown=1";
    if (request.ips.size() == 1) args += ";IP=" + request.ips[0];
    if (!request.mac.empty()) args += ";MAC=" + request.mac;
    return args;
}

std::string plugin_stdin(const std::string& conflist, size_t index, const NetworkRequest& request,
                         const std::string& prev_result) {
    Document list = parse_or_throw(conflist, "conflist");
    Document conf(rapidjson::kObjectType);
    auto& al = conf.GetAllocator();
    const Value& plugin = list["plugins"][static_cast<rapidjson::SizeType>(index)];
    conf.CopyFrom(plugin, al);
    conf.RemoveMember("name");
    conf.RemoveMember("cniVersion");
    conf.AddMember("cniVersion", Value(list["cniVersion"], al), al);
    conf.AddMember("name", Value(list["name"], al), al);

    bool wants_ips = false, wants_mac = false;
    if (plugin.HasMember("capabilities") && plugin["capabilities"].IsObject()) {
        const Value& caps = plugin["capabilities"];
        wants_ips = caps.HasMember("ips") && caps["ips"].IsBool() && caps["ips"].GetBool();
        wants_mac = caps.HasMember("mac") && caps["mac"].IsBool() && caps["mac"].GetBool();
    }
    auto ips_value = [&] {
        Value ips(rapidjson::kArrayType);
        for (const auto& ip : request.ips) ips.PushBack(Value(ip.c_str(), al), al);
        return ips;
    };
    // runtimeConfig only for declared capabilities (CONVENTIONS.md), replacing any given.
    conf.RemoveMember("runtimeConfig");
    Value runtime(rapidjson::kObjectType);
    if (wants_ips && !request.ips.empty()) runtime.AddMember("ips", ips_value(), al);
    if (wants_mac && !request.mac.empty())
        runtime.AddMember("mac", Value(request.mac.c_str(), al), al);
    if (runtime.MemberCount() > 0) conf.AddMember("runtimeConfig", runtime, al);
    // The args convention reaches plugins that read it without declaring a capability
    // (host-local's ips, bridge's mac) and is ignored by the others.
    if (!request.ips.empty() || !request.mac.empty()) {
        if (!conf.HasMember("args") || !conf["args"].IsObject()) {
            conf.RemoveMember("args");
            conf.AddMember("args", Value(rapidjson::kObjectType), al);
        }
        Value& args = conf["args"];
        if (!args.HasMember("cni") || !args["cni"].IsObject()) {
            args.RemoveMember("cni");
            args.AddMember("cni", Value(rapidjson::kObjectType), al);
        }
        Value& cni = args["cni"];
        cni.RemoveMember("ips");
        cni.RemoveMember("mac");
        if (!request.ips.empty()) cni.AddMember("ips", ips_value(), al);
        if (!request.mac.empty()) cni.AddMember("mac", Value(request.mac.c_str(), al), al);
    }
    conf.RemoveMember("prevResult");
    if (!prev_result.empty()) {
        Document prev = parse_or_throw(prev_result, "prevResult");
        conf.AddMember("prevResult", Value(prev, al), al);
    }
    return to_json(conf);
}

AttachmentRecord attach_networks(const CniOptions& options,
                                 const std::vector<NetworkRequest>& requests,
                                 const std::string& container_id, const std::string& netns_path,
                                 const std::string& state_dir) {
    AttachmentRecord record;
    record.bin_dirs = options.bin_dirs;
    if (requests.empty()) return record;

    // Load every config and find every plugin before touching anything: a typo or a missing
    // plugin fails with nothing to undo.
    std::vector<NetworkConfig> configs;
    std::vector<std::vector<std::string>> plugins;
    for (const auto& request : requests) {
        configs.push_back(load_network(options.conf_dir, request.name));
        std::vector<std::string> exes;
        try {
            for (const auto& type : configs.back().plugin_types)
                exes.push_back(find_plugin(type, options.bin_dirs));
        } catch (Error& e) {
            throw e.context("network " + request.name + " (" + configs.back().source + ")");
        }
        plugins.push_back(std::move(exes));
    }

    record.container_id = container_id;
    record.netns = netns_path;
    size_t n = 0;
    try {
        for (; n < requests.size(); ++n) {
            const NetworkRequest& request = requests[n];
            // Intent before resource: networks.json names this network before its ADD runs,
            // so that a crash during the ADD leaves delete a DEL to run (DEL is idempotent
            // and needs no result: the plugins release what they hold for the container id
            // and ifname).
            record.networks.push_back({request, configs[n].cni_version, configs[n].conflist, ""});
            write_record(state_dir, record);
            base::crash_point(base::CrashPoint::NetIntent);
            PluginCall call{"ADD",          container_id,      netns_path,
                            request.ifname, cni_args(request), options.bin_dirs};
            std::string result;
            for (size_t i = 0; i < plugins[n].size(); ++i) {
                std::string out =
                    run_plugin(plugins[n][i], call,
                               plugin_stdin(record.networks.back().conflist, i, request, result));
                // A plugin that prints nothing passes its prevResult on.
                if (out.find_first_not_of(" \t\r\n") != std::string::npos) {
                    parse_or_throw(out, configs[n].plugin_types[i] + " ADD result");
                    result = out;
                }
            }
            base::crash_point(base::CrashPoint::NetAdded);
            check_result(result, request);
            record.networks.back().result = std::move(result);
            write_record(state_dir, record);
            base::crash_point(base::CrashPoint::NetSaved);
        }
    } catch (Error& e) {
        // Undo the network being added (a half-done ADD: DEL without a result) and the ones
        // before it, newest first.
        if (n < requests.size() && !record.networks.empty()) record.networks.back().result.clear();
        for (size_t k = record.networks.size(); k-- > 0;)
            for (const auto& m :
                 del_network(record.networks[k], options.bin_dirs, container_id, netns_path))
                base::log_warning("undo after failed ADD: " + m);
        ::unlink((state_dir + "/" + kRecordFile).c_str());
        if (n < requests.size())
            e.context("network " + requests[n].name + " (" + configs[n].source + ")");
        throw;
    }
    return record;
}

std::vector<std::string> detach_networks(const AttachmentRecord& record,
                                         const std::string& container_id,
                                         const std::string& netns_path,
                                         const std::string& state_dir) noexcept {
    std::vector<std::string> errors;
    try {
        for (size_t k = record.networks.size(); k-- > 0;) {
            auto failed =
                del_network(record.networks[k], record.bin_dirs, container_id, netns_path);
            errors.insert(errors.end(), failed.begin(), failed.end());
            base::crash_point(base::CrashPoint::NetDeleted);
        }
        if (errors.empty()) ::unlink((state_dir + "/" + kRecordFile).c_str());
    } catch (const std::exception& e) {
        errors.emplace_back(e.what());
    }
    return errors;
}

std::string serialize_attachments(const AttachmentRecord& record) {
    Document doc(rapidjson::kObjectType);
    auto& al = doc.GetAllocator();
    Value dirs(rapidjson::kArrayType);
    for (const auto& d : record.bin_dirs) dirs.PushBack(Value(d.c_str(), al), al);
    doc.AddMember("binDirs", dirs, al);
    doc.AddMember("containerId", Value(record.container_id.c_str(), al), al);
    doc.AddMember("netns", Value(record.netns.c_str(), al), al);
    Value networks(rapidjson::kArrayType);
    for (const auto& a : record.networks) {
        Value n(rapidjson::kObjectType);
        n.AddMember("name", Value(a.request.name.c_str(), al), al);
        n.AddMember("ifname", Value(a.request.ifname.c_str(), al), al);
        Value ips(rapidjson::kArrayType);
        for (const auto& ip : a.request.ips) ips.PushBack(Value(ip.c_str(), al), al);
        n.AddMember("requestedIps", ips, al);
        n.AddMember("requestedMac", Value(a.request.mac.c_str(), al), al);
        n.AddMember("cniVersion", Value(a.cni_version.c_str(), al), al);
        Document conf = parse_or_throw(a.conflist, "conflist");
        n.AddMember("config", Value(conf, al), al);
        // No result: the ADD was about to run or running (the intent).
        if (!a.result.empty()) {
            Document result = parse_or_throw(a.result, "result");
            n.AddMember("result", Value(result, al), al);
        }
        networks.PushBack(n, al);
    }
    doc.AddMember("networks", networks, al);
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    writer.SetIndent(' ', 2);
    doc.Accept(writer);
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

AttachmentRecord parse_attachments(const std::string& json, const std::string& origin) {
    Document doc;
    doc.Parse(json.c_str(), json.size());
    auto bad = [&](const std::string& what) -> Error {
        return Error(origin + ": " + what, ErrorKind::InvalidArgument);
    };
    if (doc.HasParseError() || !doc.IsObject()) throw bad("not a JSON object");
    AttachmentRecord record;
    if (!doc.HasMember("binDirs") || !doc["binDirs"].IsArray()) throw bad("/binDirs: missing");
    for (const auto& d : doc["binDirs"].GetArray()) {
        if (!d.IsString()) throw bad("/binDirs: expected strings");
        record.bin_dirs.emplace_back(d.GetString());
    }
    if (doc.HasMember("containerId") && doc["containerId"].IsString())
        record.container_id = doc["containerId"].GetString();
    if (doc.HasMember("netns") && doc["netns"].IsString()) record.netns = doc["netns"].GetString();
    if (!doc.HasMember("networks") || !doc["networks"].IsArray()) throw bad("/networks: missing");
    for (const auto& n : doc["networks"].GetArray()) {
        auto str = [&](const char* key) -> std::string {
            if (!n.IsObject() || !n.HasMember(key) || !n[key].IsString())
                throw bad(std::string("/networks: ") + key + ": missing");
            return n[key].GetString();
        };
        Attachment a;
        a.request.name = str("name");
        a.request.ifname = str("ifname");
        a.request.mac = str("requestedMac");
        a.cni_version = str("cniVersion");
        if (n.HasMember("requestedIps") && n["requestedIps"].IsArray())
            for (const auto& ip : n["requestedIps"].GetArray())
                if (ip.IsString()) a.request.ips.emplace_back(ip.GetString());
        if (!n.HasMember("config") || !n["config"].IsObject())
            throw bad("/networks: config: missing");
        a.conflist = to_json(n["config"]);
        if (n.HasMember("result")) {
            if (!n["result"].IsObject()) throw bad("/networks: result: expected an object");
            a.result = to_json(n["result"]);
        }
        record.networks.push_back(std::move(a));
    }
    return record;
}

AttachmentRecord read_attachments(const std::string& state_dir) {
    std::string path = state_dir + "/" + kRecordFile;
    base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return {};
        throw_errno("read " + path);
    }
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
    return parse_attachments(text, path);
}

}  // namespace rt::net
