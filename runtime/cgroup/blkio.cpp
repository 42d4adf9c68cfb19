// blockIO: weight, leafWeight, weightDevice, throttle{Read,Write}{Bps,IOPS}Device.
//   v1 (blkio): blkio.weight or, with the BFQ scheduler, blkio.bfq.weight (same 10-1000
//       scale); blkio.leaf_weight(_device) (CFQ only); blkio.throttle.*_device "maj:min rate"
//   v2 (io): io.bfq.weight when BFQ is there (raw value), else io.weight converted from the
//       blkio scale (convert.hpp); io.max "maj:min rbps=N wbps=N riops=N wiops=N" where a
//       rate of 0 means "max" (no limit), as 0 removes a v1 throttle. leafWeight has no v2
//       equivalent and is ignored (as runc).
#include "cgroup/controllers.hpp"
#include "cgroup/convert.hpp"

namespace rt::cgroup::detail {

namespace {

std::string dev(int64_t major, int64_t minor) {
    return std::to_string(major) + ":" + std::to_string(minor);
}

void check_weight(uint16_t w, const Fields& f, const std::string& field) {
    if (w < 10 || w > 1000)
        throw f.error(field, "must be between 10 and 1000, got " + std::to_string(w));
}

using Throttles = std::vector<oci::BlockIoDeviceThrottle>;

void apply_v1(const Target& t, const oci::BlockIoResources& b, const Fields& f) {
    const bool cfq = f.has_file(t, "blkio.weight");
    const bool bfq = f.has_file(t, "blkio.bfq.weight");
    if (b.weight && *b.weight != 0) {
        check_weight(*b.weight, f, "/blockIO/weight");
        if (!cfq && !bfq)
            throw f.error("/blockIO/weight",
                          "no I/O scheduler with weights (CFQ or BFQ) on this host",
                          ErrorKind::Unsupported);
        f.write(t, cfq ? "blkio.weight" : "blkio.bfq.weight", std::to_string(*b.weight),
                "/blockIO/weight");
    }
    if (b.leafWeight && *b.leafWeight != 0) {
        check_weight(*b.leafWeight, f, "/blockIO/leafWeight");
        f.write(t, "blkio.leaf_weight", std::to_string(*b.leafWeight), "/blockIO/leafWeight");
    }
    for (size_t i = 0; i < b.weightDevice.size(); ++i) {
        const auto& d = b.weightDevice[i];
        std::string field = "/blockIO/weightDevice/" + std::to_string(i);
        if (d.weight) {
            check_weight(*d.weight, f, field + "/weight");
            if (!cfq && !bfq)
                throw f.error(field + "/weight",
                              "no I/O scheduler with weights (CFQ or BFQ) on this host",
                              ErrorKind::Unsupported);
            f.write(t, cfq ? "blkio.weight_device" : "blkio.bfq.weight_device",
                    dev(d.major, d.minor) + " " + std::to_string(*d.weight), field + "/weight");
        }
        if (d.leafWeight) {
            check_weight(*d.leafWeight, f, field + "/leafWeight");
            f.write(t, "blkio.leaf_weight_device",
                    dev(d.major, d.minor) + " " + std::to_string(*d.leafWeight),
                    field + "/leafWeight");
        }
    }
    auto throttle = [&](const Throttles& list, const char* file, const char* name) {
        for (size_t i = 0; i < list.size(); ++i)
            f.write(t, file, dev(list[i].major, list[i].minor) + " " + std::to_string(list[i].rate),
                    std::string("/blockIO/") + name + "/" + std::to_string(i));
    };
    throttle(b.throttleReadBpsDevice, "blkio.throttle.read_bps_device", "throttleReadBpsDevice");
    throttle(b.throttleWriteBpsDevice, "blkio.throttle.write_bps_device", "throttleWriteBpsDevice");
    throttle(b.throttleReadIOPSDevice, "blkio.throttle.read_iops_device", "throttleReadIOPSDevice");
    throttle(b.throttleWriteIOPSDevice, "blkio.throttle.write_iops_device",
             "throttleWriteIOPSDevice");
}

void apply_v2(const Target& t, const oci::BlockIoResources& b, const Fields& f) {
    const bool bfq = f.has_file(t, "io.bfq.weight");
    if (b.weight && *b.weight != 0) {
        check_weight(*b.weight, f, "/blockIO/weight");
        if (bfq)
            f.write(t, "io.bfq.weight", std::to_string(*b.weight), "/blockIO/weight");
        else
            f.write(t, "io.weight",
                    "default " + std::to_string(blkio_weight_to_io_weight(*b.weight)),
                    "/blockIO/weight");
    }
    for (size_t i = 0; i < b.weightDevice.size(); ++i) {
        const auto& d = b.weightDevice[i];
        if (!d.weight) continue;
        std::string field = "/blockIO/weightDevice/" + std::to_string(i) + "/weight";
        check_weight(*d.weight, f, field);
        if (bfq)
            f.write(t, "io.bfq.weight", dev(d.major, d.minor) + " " + std::to_string(*d.weight),
                    field);
        else
            f.write(
                t, "io.weight",
                dev(d.major, d.minor) + " " + std::to_string(blkio_weight_to_io_weight(*d.weight)),
                field);
    }
    auto throttle = [&](const Throttles& list, const char* key, const char* name) {
        for (size_t i = 0; i < list.size(); ++i) {
            std::string rate = list[i].rate == 0 ? "max" : std::to_string(list[i].rate);
            f.write(t, "io.max", dev(list[i].major, list[i].minor) + " " + key + "=" + rate,
                    std::string("/blockIO/") + name + "/" + std::to_string(i));
        }
    };
    throttle(b.throttleReadBpsDevice, "rbps", "throttleReadBpsDevice");
    throttle(b.throttleWriteBpsDevice, "wbps", "throttleWriteBpsDevice");
    throttle(b.throttleReadIOPSDevice, "riops", "throttleReadIOPSDevice");
    throttle(b.throttleWriteIOPSDevice, "wiops", "throttleWriteIOPSDevice");
}

}  // namespace

void apply_blkio(const Target& t, const oci::BlockIoResources& b, const Fields& f) {
    if (t.v2)
        apply_v2(t, b, f);
    else
        apply_v1(t, b, f);
}

}  // namespace rt::cgroup::detail
