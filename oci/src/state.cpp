// state.json (runtime.md "State").
#include "rt/oci/state.hpp"

#include "json_read.hpp"
#include "json_write.hpp"

namespace rt::oci {
namespace {

constexpr std::string_view kStatusNames[] = {"creating", "created", "running", "stopped", "paused"};

}  // namespace

const char* to_string(Status status) {
    return kStatusNames[static_cast<size_t>(status)].data();
}

std::optional<Status> status_from_string(std::string_view text) {
    for (size_t i = 0; i < std::size(kStatusNames); ++i) {
        if (kStatusNames[i] == text) return static_cast<Status>(i);
    }
    return std::nullopt;
}

static void read_object(const json::Object& o, State& s) {
    o.req("ociVersion", s.ociVersion);
    o.req("id", s.id);
    std::string status;
    o.req("status", status);
    auto parsed = status_from_string(status);
    if (!parsed) o.source().fail(o.path().member("status"), "unknown status \"" + status + "\"");
    s.status = *parsed;
    o.opt("pid", s.pid);
    if (s.pid && *s.pid < 0) o.source().fail(o.path().member("pid"), "must be >= 0");
    o.req("bundle", s.bundle);
    o.opt("annotations", s.annotations);
}

template <typename W>
static void put(W& w, const State& s) {
    json::ObjectOut o(w);
    o.field("ociVersion", s.ociVersion);
    o.field("id", s.id);
    o.field("status", to_string(s.status));
    o.opt("pid", s.pid);
    o.field("bundle", s.bundle);
    o.nonempty("annotations", s.annotations);
}

std::string serialize_state(const State& state, bool pretty) {
    return json::write_json(pretty, ' ', 2, [&](auto& w) { put(w, state); });
}

State parse_state(std::string_view text, std::string_view origin) {
    json::Source src{origin};
    rapidjson::Document doc;
    json::parse_document(doc, text, src);
    State state;
    json::read(src, json::Path{}, doc, state);
    return state;
}

}  // namespace rt::oci
