// Manager::serialize / load: the resolved cgroup of a container, kept in its state dir so
// that update, pause, events, delete ... find it without detecting or resolving again.
//   {"version":1,"layout":"hybrid","nodes":[{"unified":false,"mount":"/sys/fs/cgroup/cpu",
//     "path":"/c1","dir":"/sys/fs/cgroup/cpu/c1","controllers":["cpu"],"created":[...]}]}
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cgroup/manager.hpp"
#include "rt/error.hpp"

namespace rt::cgroup {

std::string Manager::serialize() const {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    auto strings = [&](const std::vector<std::string>& list) {
        w.StartArray();
        for (const auto& s : list) w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
        w.EndArray();
    };
    w.StartObject();
    w.Key("version");
    w.Int(1);
    w.Key("layout");
    w.String(std::string(to_string(kind_)).c_str());
    w.Key("nodes");
    w.StartArray();
    for (const auto& n : nodes_) {
        w.StartObject();
        w.Key("unified");
        w.Bool(n.unified);
        w.Key("mount");
        w.String(n.mount_point.c_str());
        w.Key("path");
        w.String(n.path.c_str());
        w.Key("dir");
        w.String(n.dir.c_str());
        w.Key("controllers");
        strings(n.controllers);
        w.Key("created");
        strings(n.created);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

Manager Manager::load(std::string_view json) {
    auto bad = [](const std::string& why) {
        return Error("cgroup state: " + why, ErrorKind::InvalidArgument);
    };
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    if (d.HasParseError() || !d.IsObject()) throw bad("not a JSON object");
    if (!d.HasMember("version") || !d["version"].IsInt() || d["version"].GetInt() != 1)
        throw bad("unsupported version");
    Manager m;
    if (!d.HasMember("layout") || !d["layout"].IsString()) throw bad("missing layout");
    auto kind = layout_kind_from_string(d["layout"].GetString());
    if (!kind) throw bad(std::string("unknown layout \"") + d["layout"].GetString() + "\"");
    m.kind_ = *kind;
    if (!d.HasMember("nodes") || !d["nodes"].IsArray()) throw bad("missing nodes");
    auto str = [&](const rapidjson::Value& o, const char* key) {
        if (!o.HasMember(key) || !o[key].IsString()) throw bad(std::string("node without ") + key);
        return std::string(o[key].GetString(), o[key].GetStringLength());
    };
    auto strs = [&](const rapidjson::Value& o, const char* key) {
        std::vector<std::string> out;
        if (!o.HasMember(key)) return out;
        if (!o[key].IsArray()) throw bad(std::string(key) + " is not an array");
        for (const auto& v : o[key].GetArray()) {
            if (!v.IsString()) throw bad(std::string(key) + " holds a non-string");
            out.emplace_back(v.GetString(), v.GetStringLength());
        }
        return out;
    };
    for (const auto& o : d["nodes"].GetArray()) {
        if (!o.IsObject()) throw bad("node is not an object");
        Node n;
        n.unified = o.HasMember("unified") && o["unified"].IsBool() && o["unified"].GetBool();
        n.mount_point = str(o, "mount");
        n.path = str(o, "path");
        n.dir = str(o, "dir");
        if (n.dir.empty() || n.dir.front() != '/' || n.dir.find("/../") != std::string::npos)
            throw bad("bad dir \"" + n.dir + "\"");
        n.controllers = strs(o, "controllers");
        n.created = strs(o, "created");
        m.nodes_.push_back(std::move(n));
    }
    return m;
}

}  // namespace rt::cgroup
