// libFuzzer target for the config parser: parse_config on arbitrary bytes must either
// return a Spec or throw rt::Error (never crash, hang or leak); a parsed Spec must survive
// check_config, and serialize -> parse must give the same Spec and the same text again.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rt/error.hpp"
#include "rt/oci/parse.hpp"
#include "rt/oci/serialize.hpp"
#include "rt/oci/validate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    rt::oci::Spec spec;
    try {
        spec = rt::oci::parse_config(text);
    } catch (const rt::Error&) {
        return 0;  // rejected input: fine, as long as it is an rt::Error
    }
    (void)rt::oci::check_config(spec);
    bool pretty = size % 2 == 0;
    std::string written = rt::oci::serialize_config(spec, pretty);
    // What rt writes, rt must read back unchanged: any exception here is a bug.
    rt::oci::Spec again = rt::oci::parse_config(written, "serialized");
    if (!(again == spec)) std::abort();
    if (rt::oci::serialize_config(again, pretty) != written) std::abort();
    return 0;
}
