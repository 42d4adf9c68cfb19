// CNI_ARGS: "KEY=VALUE;KEY2=VALUE2" (SPEC.md section 2, CONVENTIONS.md).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rt::cni {

class CniArgs {
  public:
    // Throws CniError(4) naming CNI_ARGS on a pair without '=' or an empty key, or an
    // IgnoreUnknown value that is not a boolean.
    static CniArgs parse(std::string_view text);

    std::optional<std::string> get(std::string_view key) const;
    bool ignore_unknown() const { return ignore_unknown_; }
    // Throws CniError(4) listing keys outside `known` (IgnoreUnknown is always known),
    // unless IgnoreUnknown is true.
    void check_known(std::initializer_list<std::string_view> known) const;
    const std::vector<std::pair<std::string, std::string>>& pairs() const { return pairs_; }

  private:
    std::vector<std::pair<std::string, std::string>> pairs_;
    bool ignore_unknown_ = false;
};

}  // namespace rt::cni
