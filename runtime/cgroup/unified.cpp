// unified: cgroup v2 "file": "value" pairs written as given, after every other resource so
// they can refine it (as runc). Keys are file names in the container's cgroup2 directory;
// on a hybrid host a key of a controller that lives on v1 is an error.
#include <algorithm>

#include "cgroup/controllers.hpp"

namespace rt::cgroup::detail {

void apply_unified(const Target& t, const oci::StringMap& unified, const Fields& f,
                   const std::vector<std::string>& v1_controllers) {
    for (const auto& [key, value] : unified) {
        std::string field = "/unified/" + key;
        if (key.empty() || key.find('/') != std::string::npos || key == "." || key == ".." ||
            key.find('.') == std::string::npos)
            throw f.error(field, "not a cgroup v2 file name");
        std::string controller = key.substr(0, key.find('.'));
        if (std::find(v1_controllers.begin(), v1_controllers.end(), controller) !=
            v1_controllers.end())
            throw f.error(
                field,
                "the " + controller + " controller is on cgroup v1 on this host (hybrid layout)",
                ErrorKind::Unsupported);
        if (!f.has_file(t, key))
            throw f.error(field,
                          controller == "cgroup" ? "no such cgroup core file"
                                                 : "no such file: the " + controller +
                                                       " controller is not available in " + t.dir,
                          ErrorKind::Unsupported);
        f.write(t, key, value, field);
    }
}

}  // namespace rt::cgroup::detail
