// rt's own use of CNI networks: ADD a container's networks after its network namespace
// exists and before it starts, DEL them when it is deleted.
//
// The record of what was attached (each network's conflist as used, its result, the plugin
// dirs) lives in the container's state dir as networks.json, so `delete` can undo exactly
// what `create` did, and `rt info` can show it. It is written before each ADD (the network
// without a result: the intent) and again after it, so a crash during an ADD still leaves
// delete a DEL to run.
#pragma once

#include <string>
#include <vector>

#include "net/request.hpp"

namespace rt::net {

struct CniOptions {
    std::string conf_dir = "/etc/cni/net.d";
    // Plugins are looked up in order; Debian's reference plugins live in /usr/lib/cni.
    std::vector<std::string> bin_dirs = {"/opt/cni/bin", "/usr/lib/cni"};
};

// One network of one container.
struct Attachment {
    NetworkRequest request;
    std::string cni_version;
    std::string conflist;  // the configuration ADD used (JSON)
    std::string result;    // the final result of the chain (JSON); "" while being added
};

struct AttachmentRecord {
    std::vector<std::string> bin_dirs;
    // For whoever reads networks.json: delete DELs with the id of its state dir, and with
    // this netns only while the recorded init is alive (a stale /proc path could name
    // another process's namespace).
    std::string container_id;
    std::string netns;
    std::vector<Attachment> networks;
};

// ADDs each requested network, in order, to the namespace at netns_path (which must be
// the container's own), as interface request.ifname. Before each ADD the record, with the
// network to add, is written to <state_dir>/networks.json, and again with its result. If a plugin
// fails, or the result lacks a requested address or MAC, everything added so far is DELeted (the
// failed network too, as the spec asks), networks.json is removed, and rt::Error says which network
// and plugin failed.
AttachmentRecord attach_networks(const CniOptions& options,
                                 const std::vector<NetworkRequest>& requests,
                                 const std::string& container_id, const std::string& netns_path,
                                 const std::string& state_dir);

// DELs every network of the record, last first, each plugin chain in reverse, with the
// ADD result as prevResult (cniVersion >= 0.4.0). netns_path is empty when the namespace is
// gone (plugins release what they hold anyway). Never throws: returns one message per
// failed DEL (empty when all succeeded), and removes networks.json when all succeeded.
std::vector<std::string> detach_networks(const AttachmentRecord& record,
                                         const std::string& container_id,
                                         const std::string& netns_path,
                                         const std::string& state_dir) noexcept;

// <state_dir>/networks.json; an empty record when the file does not exist.
AttachmentRecord read_attachments(const std::string& state_dir);
std::string serialize_attachments(const AttachmentRecord& record);
AttachmentRecord parse_attachments(const std::string& json, const std::string& origin);

// The stdin config of plugin `index` of a conflist (SPEC.md "Deriving execution
// configuration from plugin configuration"): the plugin object plus the network's name and
// cniVersion, runtimeConfig for the capabilities it declares (ips, mac), the args convention
// (args.cni.ips / mac), and prevResult when given (non-empty).
std::string plugin_stdin(const std::string& conflist, size_t index, const NetworkRequest& request,
                         const std::string& prev_result);

// CNI_ARGS for a request: IgnoreUnknown=1, plus IP= when exactly one address is asked for
// (the reference host-local takes a single IP there) and MAC= when a MAC is.
std::string cni_args(const NetworkRequest& request);

}  // namespace rt::net
