// The on-disk allocation store, in the reference host-local's layout so both plugins can
// share a dataDir:
//   <dataDir>/<network>/lock                  flock()ed for every operation
//   <dataDir>/<network>/<ip>                  "<containerID>\r\n<ifname>"
//   <dataDir>/<network>/last_reserved_ip.<N>  the last address taken from range set N
// and one addition, outside the network's directory so the reference never sees it (a
// network name cannot start with '.'):
//   <dataDir>/.rt-index/<network>/<containerID>@<ifname>   the attachment's addresses
// so DEL and CHECK find an attachment's addresses without reading every file. Files the
// index does not know (written by the reference) are found by a full scan, which only
// happens when the index has no entry.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "cni/ip.hpp"

namespace rt::ipam {

struct Allocation {
    cni::IpAddr ip;
    std::string id;
    std::string ifname;  // empty in files of old reference versions (id only)
};

class Store {
  public:
    // Creates <data_dir>/<network> if needed and takes the network's lock until destroyed.
    Store(const std::string& data_dir, const std::string& network);
    // For DEL: the store when the network's directory exists, nullopt when it does not
    // (nothing can be reserved there). On a read-only file system the lock is taken on a
    // read-only descriptor when the lock file exists, and not at all when it does not
    // (nobody can reserve anything there): finding nothing to release succeeds.
    static std::optional<Store> open_existing(const std::string& data_dir,
                                              const std::string& network);

    // Creates the address's file exclusively; false if it is taken. Records it as the
    // last reserved address of range set `set`.
    bool reserve(const cni::IpAddr& ip, const std::string& id, const std::string& ifname,
                 std::size_t set);
    std::optional<cni::IpAddr> last_reserved(std::size_t set);
    // Owner of an address file, nullopt if the address is free.
    std::optional<Allocation> owner(const cni::IpAddr& ip);
    void release(const cni::IpAddr& ip);

    // Addresses held by (id, ifname): from the index, else by scanning every file.
    std::vector<cni::IpAddr> find(const std::string& id, const std::string& ifname);
    // Only what the index says (no scan): the cheap duplicate-ADD check.
    std::vector<cni::IpAddr> find_indexed(const std::string& id, const std::string& ifname);
    bool owned_by(const cni::IpAddr& ip, const std::string& id, const std::string& ifname);
    void write_index(const std::string& id, const std::string& ifname,
                     const std::vector<cni::IpAddr>& ips);
    void remove_index(const std::string& id, const std::string& ifname);
    // Attachments recorded in the index: (id, ifname) pairs.
    std::vector<std::pair<std::string, std::string>> indexed();

    // Every address file.
    std::vector<Allocation> scan();

    const std::string& dir() const { return dir_; }

  private:
    Store() = default;
    void lock();

    std::string dir_, index_dir_;
    base::UniqueFd dirfd_, lock_;
};

}  // namespace rt::ipam
