#include "cni/args.hpp"

#include <algorithm>
#include <cctype>

#include "cni/error.hpp"

namespace rt::cni {

CniArgs CniArgs::parse(std::string_view text) {
    CniArgs a;
    while (!text.empty()) {
        auto semi = text.find(';');
        std::string_view pair = text.substr(0, semi);
        text = semi == std::string_view::npos ? std::string_view{} : text.substr(semi + 1);
        if (pair.empty()) continue;  // tolerate "A=1;;B=2" and a trailing ';'
        auto eq = pair.find('=');
        if (eq == std::string_view::npos || eq == 0)
            throw CniError(kInvalidEnvironment, "CNI_ARGS: invalid pair \"" + std::string(pair) +
                                                    "\" (expected KEY=VALUE)");
        std::string key(pair.substr(0, eq)), value(pair.substr(eq + 1));
        if (key == "IgnoreUnknown") {
            std::string v = value;
            std::transform(v.begin(), v.end(), v.begin(),
                           [](unsigned char c) { return std::tolower(c); });
            if (v == "1" || v == "true")
                a.ignore_unknown_ = true;
            else if (v == "0" || v == "false")
                a.ignore_unknown_ = false;
            else
                throw CniError(kInvalidEnvironment,
                               "CNI_ARGS: IgnoreUnknown=\"" + value + "\" is not a boolean");
        }
        a.pairs_.emplace_back(std::move(key), std::move(value));
    }
    return a;
}

std::optional<std::string> CniArgs::get(std::string_view key) const {
    for (const auto& [k, v] : pairs_)
        if (k == key) return v;
    return std::nullopt;
}

void CniArgs::check_known(std::initializer_list<std::string_view> known) const {
    if (ignore_unknown_) return;
    std::string unknown;
    for (const auto& [k, v] : pairs_) {
        if (k == "IgnoreUnknown" || std::find(known.begin(), known.end(), k) != known.end())
            continue;
        if (!unknown.empty()) unknown += ", ";
        unknown += k;
    }
    if (!unknown.empty())
        throw CniError(kInvalidEnvironment, "CNI_ARGS: unknown key(s) " + unknown +
                                                " (add IgnoreUnknown=1 to ignore them)");
}

}  // namespace rt::cni
