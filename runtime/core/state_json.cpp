#include "core/state_json.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace rt::core {

const char* status_name(oci::Status status) {
    switch (status) {
        case oci::Status::Creating: return "creating";
        case oci::Status::Created: return "created";
        case oci::Status::Running: return "running";
        case oci::Status::Stopped: return "stopped";
        case oci::Status::Paused: return "paused";
    }
    return "unknown";
}

template <class Writer>
static void write_state(Writer& w, const oci::State& st) {
    w.StartObject();
    w.Key("ociVersion");
    w.String(st.ociVersion.c_str());
    w.Key("id");
    w.String(st.id.c_str(), static_cast<rapidjson::SizeType>(st.id.size()));
    w.Key("status");
    w.String(status_name(st.status));
    if (st.pid) {
        w.Key("pid");
        w.Int(*st.pid);
    }
    w.Key("bundle");
    w.String(st.bundle.c_str(), static_cast<rapidjson::SizeType>(st.bundle.size()));
    if (!st.annotations.empty()) {
        w.Key("annotations");
        w.StartObject();
        for (const auto& [k, v] : st.annotations) {
            w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
            w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
        }
        w.EndObject();
    }
    w.EndObject();
}

std::string state_json(const oci::State& state, bool pretty) {
    rapidjson::StringBuffer buf;
    if (pretty) {
        rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
        w.SetIndent(' ', 2);
        write_state(w, state);
    } else {
        rapidjson::Writer<rapidjson::StringBuffer> w(buf);
        write_state(w, state);
    }
    return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace rt::core
