#include "rt/json_check.hpp"

#include <algorithm>
#include <cstdio>

namespace rt::json_check {

namespace {

using rapidjson::SizeType;
using rapidjson::Value;

// Length of the well-formed UTF-8 sequence at s[i], 0 when there is none (Unicode 15,
// table 3-7: the second byte's range depends on the first).
std::size_t sequence_length(std::string_view s, std::size_t i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) return 1;
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c == 0xE0) {
        len = 3;
        lo = 0xA0;  // no overlong forms
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
        len = 3;
    } else if (c == 0xED) {
        len = 3;
        hi = 0x9F;  // no UTF-16 surrogates
    } else if (c == 0xF0) {
        len = 4;
        lo = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3) {
        len = 4;
    } else if (c == 0xF4) {
        len = 4;
        hi = 0x8F;  // nothing above U+10FFFF
    } else {
        return 0;  // 0x80-0xC1, 0xF5-0xFF never start a sequence
    }
    if (i + len > s.size()) return 0;
    auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (c1 < lo || c1 > hi) return 0;
    for (std::size_t k = 2; k < len; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
    return len;
}

void append_hex(std::string& out, unsigned char c) {
    char buf[8];
    (void)std::snprintf(buf, sizeof buf, "\\x%02x", c);
    out += buf;
}

std::string_view text(const Value& v) {
    return {v.GetString(), v.GetStringLength()};
}

class Walker {
  public:
    explicit Walker(Options options) : options_(options) {}

    Finding run(const Value& root) {
        if (!visit(root)) return std::move(found_);
        if (has_children(root)) stack_.push_back({&root, 0});
        while (!stack_.empty()) {
            Frame& top = stack_.back();
            const Value& v = *top.value;
            SizeType size = v.IsObject() ? v.MemberCount() : v.Size();
            if (top.next == size) {
                stack_.pop_back();
                if (!stack_.empty()) path_.pop_back();  // the root has no segment
                continue;
            }
            SizeType i = top.next++;
            const Value* child;
            if (v.IsObject()) {
                const auto& m = *(v.MemberBegin() + i);
                path_.push_back(Segment{text(m.name), 0, false});
                child = &m.value;
            } else {
                path_.push_back(Segment{{}, i, true});
                child = &v[i];
            }
            if (!visit(*child)) return std::move(found_);
            if (has_children(*child)) {
                stack_.push_back({child, 0});
            } else {
                path_.pop_back();
            }
        }
        return {};
    }

  private:
    struct Frame {
        const Value* value;
        SizeType next;
    };

    static bool has_children(const Value& v) {
        return (v.IsObject() && v.MemberCount() > 0) || (v.IsArray() && !v.Empty());
    }

    // Records a problem of the string s (a value, or the name of member `key`).
    bool check_string(std::string_view s, bool in_key) {
        std::size_t bad = invalid_utf8(s);
        Problem p = Problem::InvalidUtf8;
        if (options_.reject_nul) {
            std::size_t nul = s.find('\0');
            if (nul < bad) {
                bad = nul;
                p = Problem::NulByte;
            }
        }
        if (bad == std::string_view::npos) return true;
        found_.problem = p;
        found_.in_key = in_key;
        found_.offset = bad;
        found_.byte = static_cast<unsigned char>(s[bad]);
        found_.path = path_;
        return false;
    }

    bool visit(const Value& v) {
        if (v.IsString()) return check_string(text(v), false);
        if (!v.IsObject()) return true;
        SizeType n = v.MemberCount();
        for (SizeType i = 0; i < n; ++i) {
            std::string_view name = text((v.MemberBegin() + i)->name);
            path_.push_back(Segment{name, 0, false});
            bool ok = check_string(name, true);
            path_.pop_back();
            if (!ok) return false;
        }
        if (n < 2) return true;
        std::string_view dup;
        bool found = false;
        if (n <= 16) {
            // Most objects of a config have a handful of members: pairwise is cheapest.
            for (SizeType i = 1; i < n && !found; ++i) {
                std::string_view a = text((v.MemberBegin() + i)->name);
                for (SizeType j = 0; j < i; ++j) {
                    if (text((v.MemberBegin() + j)->name) == a) {
                        dup = a;
                        found = true;
                        break;
                    }
                }
            }
        } else {
            names_.clear();
            names_.reserve(n);
            for (SizeType i = 0; i < n; ++i) names_.push_back(text((v.MemberBegin() + i)->name));
            std::sort(names_.begin(), names_.end());
            auto it = std::adjacent_find(names_.begin(), names_.end());
            if (it != names_.end()) {
                dup = *it;
                found = true;
            }
        }
        if (!found) return true;
        found_.problem = Problem::DuplicateKey;
        found_.path = path_;
        found_.path.push_back(Segment{dup, 0, false});
        return false;
    }

    Options options_;
    std::vector<Frame> stack_;
    std::vector<Segment> path_;
    std::vector<std::string_view> names_;
    Finding found_;
};

}  // namespace

std::size_t invalid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        std::size_t len = sequence_length(s, i);
        if (len == 0) return i;
        i += len;
    }
    return std::string_view::npos;
}

std::string printable(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = sequence_length(s, i);
        if (len == 0 || c < 0x20 || c == 0x7f) {
            append_hex(out, c);
            ++i;
            continue;
        }
        out.append(s.substr(i, len));
        i += len;
    }
    return out;
}

std::string Finding::reason() const {
    char at[48];
    (void)std::snprintf(at, sizeof at, " (byte 0x%02x at offset %zu)", byte, offset);
    switch (problem) {
        case Problem::None:
            return {};
        case Problem::InvalidUtf8:
            return std::string(in_key ? "member name is not valid UTF-8" : "not valid UTF-8") + at;
        case Problem::NulByte:
            return std::string(in_key ? "member name contains a NUL byte" : "contains a NUL byte") +
                   at;
        case Problem::DuplicateKey:
            return "duplicate key: the object names this member more than once";
    }
    return {};
}

std::string Finding::pointer() const {
    std::string out;
    for (const Segment& s : path) {
        out += '/';
        if (s.is_index) {
            out += std::to_string(s.index);
            continue;
        }
        out += pointer_token(printable(s.key));
    }
    return out;
}

std::string Finding::dotted() const {
    std::string out;
    for (const Segment& s : path) {
        if (s.is_index) {
            out += "[" + std::to_string(s.index) + "]";
            continue;
        }
        if (!out.empty()) out += '.';
        out += printable(s.key);
    }
    return out;
}

Finding check(const rapidjson::Value& root, Options options) {
    return Walker(options).run(root);
}

std::string pointer_token(std::string_view key) {
    std::string out;
    out.reserve(key.size());
    for (char c : key) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace rt::json_check
