// supervisor_ipc.hpp — header-only C++17 wrapper over supervisor_ipc.h.
//
// - svipc::socket owns an svipc_socket (move-only, closed in the destructor);
//   svipc::unique_fd owns a descriptor (a granted file).
// - Strings go in as std::string_view and come out as std::string / std::optional:
//   received messages are copied out of the socket's buffer, so they outlive the next
//   receive (the C API lends them only until then).
// - Every failure throws svipc::error, carrying the svipc_status, errno, and for a
//   refused payload the codec's error kind and byte offset.
// Nothing here is compiled into the library: include it and link supervisor_ipc.
#ifndef SUPERVISOR_IPC_HPP
#define SUPERVISOR_IPC_HPP

#include "supervisor_ipc.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <unistd.h>

namespace svipc
{

/// A failed call: the library's status, errno as the call left it, and for SVIPC_MALFORMED_MESSAGE where and why.
class error : public std::runtime_error
{
public:
    error(svipc_status status, int system_errno, const std::string& what, svipc_format_error format = svipc_format_error{0, 0})
        : std::runtime_error(what + ": " + svipc_status_message(status) +
                             (format.kind != 0 ? std::string(" (") + svipc_format_error_message(format.kind) +
                                                     " at byte " + std::to_string(format.offset) + ")"
                                               : std::string())),
          status_(status), errno_(system_errno), format_(format)
    {
    }

    svipc_status status() const noexcept { return status_; }
    /// errno right after the failing call (meaningful for SVIPC_SYSTEM_ERROR, SVIPC_TIMEOUT, SVIPC_CLOSED).
    int system_errno() const noexcept { return errno_; }
    /// For SVIPC_MALFORMED_MESSAGE: the SVIPC_FORMAT_* kind and the byte offset; kind 0 otherwise.
    svipc_format_error format() const noexcept { return format_; }

private:
    svipc_status status_;
    int errno_;
    svipc_format_error format_;
};

namespace detail
{
inline void check(svipc_status status, const char* what, svipc_format_error format = svipc_format_error{0, 0})
{
    if (status != SVIPC_OK)
    {
        int saved = errno;
        throw error(status, saved, what, format);
    }
}

/// A NUL-terminated copy for the C calls that take C strings; embedded NULs cannot be passed there.
inline std::string c_string(std::string_view text, const char* what)
{
    if (text.find('\0') != std::string_view::npos)
    {
        throw error(SVIPC_INVALID_ARGUMENT, EINVAL, std::string(what) + " contains a NUL byte");
    }
    return std::string(text);
}

inline std::string copy(svipc_string text) { return text.length == 0 ? std::string() : std::string(text.data, text.length); }

inline std::optional<std::string> copy_optional(svipc_string text)
{
    return text.data == nullptr ? std::nullopt : std::optional<std::string>(copy(text));
}

inline svipc_string view(std::string_view text)
{
    if (text.size() > UINT32_MAX)
    {
        throw error(SVIPC_TOO_LARGE, EINVAL, "string longer than any frame");
    }
    return svipc_string{text.data(), static_cast<uint32_t>(text.size())};
}

inline int32_t timeout_ms(std::optional<std::chrono::milliseconds> timeout)
{
    if (!timeout)
    {
        return SVIPC_INFINITE_TIMEOUT;
    }
    auto count = timeout->count();
    return count <= 0 ? 1 : count > INT32_MAX ? INT32_MAX : static_cast<int32_t>(count);
}
} // namespace detail

/// An owned file descriptor, closed in the destructor.
class unique_fd
{
public:
    unique_fd() noexcept = default;
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    unique_fd& operator=(unique_fd&& other) noexcept
    {
        if (this != &other)
        {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    ~unique_fd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept { return std::exchange(fd_, -1); }
    void reset() noexcept
    {
        if (fd_ >= 0)
        {
            ::close(fd_);
            fd_ = -1;
        }
    }

private:
    int fd_ = -1;
};

enum class access : int32_t
{
    read = SVIPC_ACCESS_READ,
    write = SVIPC_ACCESS_WRITE,
    read_write = SVIPC_ACCESS_READ_WRITE,
};

/// CapabilityRequest, owning its strings.
struct capability_request
{
    std::string request_id;
    std::string path;
    svipc::access access = svipc::access::read;
    std::optional<std::string> reason;
    uint32_t child_pid = 0;
    std::string session_id;
};

/// UrlOpenRequest, owning its strings.
struct url_open_request
{
    std::string request_id;
    std::string url;
    uint32_t child_pid = 0;
    std::string session_id;
};

/// SupervisorMessage.
using message = std::variant<capability_request, url_open_request>;

/// ApprovalDecision.
struct decision
{
    enum class kind : int32_t
    {
        granted = SVIPC_DECISION_GRANTED,
        denied = SVIPC_DECISION_DENIED,
        timeout = SVIPC_DECISION_TIMEOUT,
    };
    decision::kind outcome = kind::denied;
    /// The reason of a denial; empty otherwise.
    std::string reason;
};

/// What svipc::socket::request_access got: the decision, and the file when granted.
struct access_result
{
    svipc::decision decision;
    unique_fd file;
    bool granted() const noexcept { return decision.outcome == decision::kind::granted; }
};

/// What svipc::socket::open_url got.
struct url_result
{
    bool success = false;
    std::optional<std::string> error;
};

/// SupervisorResponse::Decision.
struct decision_response
{
    std::string request_id;
    svipc::decision decision;
};

/// SupervisorResponse::UrlOpened.
struct url_opened
{
    std::string request_id;
    bool success = false;
    std::optional<std::string> error;
};

/// SupervisorResponse.
using response = std::variant<decision_response, url_opened>;

namespace detail
{
inline message to_message(const svipc_message& got)
{
    if (got.kind == SVIPC_MESSAGE_REQUEST)
    {
        const svipc_capability_request& r = got.as.request;
        return message(capability_request{copy(r.request_id), copy(r.path), static_cast<svipc::access>(r.access),
                                          copy_optional(r.reason), r.child_pid, copy(r.session_id)});
    }
    const svipc_url_open_request& u = got.as.open_url;
    return message(url_open_request{copy(u.request_id), copy(u.url), u.child_pid, copy(u.session_id)});
}

inline response to_response(const svipc_response& got)
{
    if (got.kind == SVIPC_RESPONSE_DECISION)
    {
        const svipc_decision_response& d = got.as.decision;
        return response(decision_response{copy(d.request_id), decision{static_cast<decision::kind>(d.decision.kind), copy(d.decision.reason)}});
    }
    const svipc_url_opened& u = got.as.url_opened;
    return response(url_opened{copy(u.request_id), u.success != 0, copy_optional(u.error)});
}

inline svipc_string view_optional(const std::optional<std::string>& text)
{
    return text ? view(*text) : svipc_string{nullptr, 0};
}

/// The C form of value; its strings point into value, which must outlive it.
inline svipc_message c_message(const message& value)
{
    svipc_message out{};
    if (const auto* r = std::get_if<capability_request>(&value))
    {
        out.kind = SVIPC_MESSAGE_REQUEST;
        out.as.request = svipc_capability_request{view(r->request_id), view(r->path), static_cast<int32_t>(r->access),
                                                  r->child_pid, view_optional(r->reason), view(r->session_id)};
    }
    else
    {
        const auto& u = std::get<url_open_request>(value);
        out.kind = SVIPC_MESSAGE_OPEN_URL;
        out.as.open_url = svipc_url_open_request{view(u.request_id), view(u.url), u.child_pid, view(u.session_id)};
    }
    return out;
}

inline svipc_response c_response(const response& value)
{
    svipc_response out{};
    if (const auto* d = std::get_if<decision_response>(&value))
    {
        out.kind = SVIPC_RESPONSE_DECISION;
        svipc_string reason = d->decision.outcome == decision::kind::denied ? view(d->decision.reason) : svipc_string{nullptr, 0};
        out.as.decision = svipc_decision_response{view(d->request_id), svipc_decision{static_cast<int32_t>(d->decision.outcome), reason}};
    }
    else
    {
        const auto& u = std::get<url_opened>(value);
        out.kind = SVIPC_RESPONSE_URL_OPENED;
        out.as.url_opened = svipc_url_opened{view(u.request_id), u.success ? 1 : 0, view_optional(u.error)};
    }
    return out;
}

/// Runs a C encoder twice: once to learn the size, once into a string of that size.
template <typename CValue>
std::string encode_with(svipc_status (*encoder)(const CValue*, void*, uint32_t, uint32_t*), const CValue& value,
                        const char* what)
{
    uint32_t length = 0;
    svipc_status status = encoder(&value, nullptr, 0, &length);
    if (status != SVIPC_BUFFER_TOO_SMALL)
    {
        check(status, what);
    }
    std::string bytes(length, '\0');
    check(encoder(&value, bytes.data(), length, &length), what);
    return bytes;
}
} // namespace detail

/// A payload as serde_json writes it (compact, reference field order); throws svipc::error (SVIPC_INVALID_ARGUMENT
/// for text that is not UTF-8).
inline std::string encode(const message& value)
{
    return detail::encode_with(svipc_encode_message, detail::c_message(value), "svipc_encode_message");
}

inline std::string encode(const response& value)
{
    return detail::encode_with(svipc_encode_response, detail::c_response(value), "svipc_encode_response");
}

/// Decodes a SupervisorMessage payload as serde_json would; a refused payload throws svipc::error with
/// SVIPC_MALFORMED_MESSAGE and format() telling where and why.
inline message decode_message(std::string_view payload)
{
    std::string copy(payload); // the C decoder unescapes in place
    svipc_message got{};
    svipc_format_error format{0, 0};
    detail::check(svipc_decode_message(copy.data(), static_cast<uint32_t>(std::min<size_t>(copy.size(), UINT32_MAX)), &got, &format),
                  "svipc_decode_message", format);
    return detail::to_message(got);
}

inline response decode_response(std::string_view payload)
{
    std::string copy(payload);
    svipc_response got{};
    svipc_format_error format{0, 0};
    detail::check(svipc_decode_response(copy.data(), static_cast<uint32_t>(std::min<size_t>(copy.size(), UINT32_MAX)), &got, &format),
                  "svipc_decode_response", format);
    return detail::to_response(got);
}

/// An owned connection (svipc_socket): move-only, closed in the destructor.
class socket
{
public:
    socket() noexcept = default;
    /// Takes ownership of handle.
    explicit socket(svipc_socket* handle) noexcept : handle_(handle) {}
    socket(const socket&) = delete;
    socket& operator=(const socket&) = delete;
    socket(socket&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    socket& operator=(socket&& other) noexcept
    {
        if (this != &other)
        {
            svipc_close(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    ~socket() { svipc_close(handle_); }

    svipc_socket* get() const noexcept { return handle_; }
    svipc_socket* release() noexcept { return std::exchange(handle_, nullptr); }
    explicit operator bool() const noexcept { return handle_ != nullptr; }

    /// Child side: the socket the supervisor passed in variable (default SUPERVISOR_IPC_FD).
    static socket from_env(const char* variable = nullptr)
    {
        svipc_socket* handle = nullptr;
        detail::check(svipc_open_from_env(variable, &handle), "svipc_open_from_env");
        return socket(handle);
    }

    /// A connected pair: first the supervisor's end, then the child's.
    static std::pair<socket, socket> pair()
    {
        svipc_socket* supervisor = nullptr;
        svipc_socket* child = nullptr;
        detail::check(svipc_pair(&supervisor, &child), "svipc_pair");
        return {socket(supervisor), socket(child)};
    }

    static socket connect(std::string_view path)
    {
        svipc_socket* handle = nullptr;
        detail::check(svipc_connect(detail::c_string(path, "path").c_str(), &handle), "svipc_connect");
        return socket(handle);
    }

    // ---- the child's calls ------------------------------------------------------------------

    /// Asks for path; waits at most timeout for the decision and again for its descriptor (nullopt: no limit).
    access_result request_access(std::string_view path, svipc::access mode, std::optional<std::string_view> reason,
                                 std::string_view session_id,
                                 std::optional<std::chrono::milliseconds> timeout = std::nullopt)
    {
        std::string c_path = detail::c_string(path, "path");
        std::string c_session = detail::c_string(session_id, "session_id");
        std::string c_reason = reason ? detail::c_string(*reason, "reason") : std::string();
        int32_t fd = -1;
        svipc_decision got{};
        detail::check(svipc_request_access(handle_, c_path.c_str(), static_cast<int32_t>(mode),
                                           reason ? c_reason.c_str() : nullptr, c_session.c_str(),
                                           detail::timeout_ms(timeout), &fd, &got),
                      "svipc_request_access");
        access_result result;
        result.file = unique_fd(fd);
        result.decision.outcome = static_cast<decision::kind>(got.kind);
        result.decision.reason = detail::copy(got.reason);
        return result;
    }

    /// Asks the supervisor to open url.
    url_result open_url(std::string_view url, std::string_view session_id,
                        std::optional<std::chrono::milliseconds> timeout = std::nullopt)
    {
        std::string c_url = detail::c_string(url, "url");
        std::string c_session = detail::c_string(session_id, "session_id");
        int32_t success = 0;
        svipc_string failure{nullptr, 0};
        detail::check(svipc_open_url(handle_, c_url.c_str(), c_session.c_str(), detail::timeout_ms(timeout), &success, &failure),
                      "svipc_open_url");
        return url_result{success != 0, detail::copy_optional(failure)};
    }

    // ---- the supervisor's calls -------------------------------------------------------------

    /// The next message, copied out; nullopt when the peer closed the connection at a frame boundary.
    std::optional<message> receive_message()
    {
        svipc_message got{};
        svipc_format_error format{0, 0};
        svipc_status status = svipc_recv_message(handle_, &got, &format);
        if (status == SVIPC_CLOSED)
        {
            return std::nullopt;
        }
        detail::check(status, "svipc_recv_message", format);
        return detail::to_message(got);
    }

    /// Grants request: opens it confined to roots, sends the descriptor, then Decision Granted; if the open
    /// fails, sends Denied naming why. Returns svipc_open_confined's status (SVIPC_OK when granted).
    svipc_status grant(const capability_request& request, const std::vector<std::string>& roots)
    {
        std::vector<const char*> c_roots;
        c_roots.reserve(roots.size());
        for (const std::string& root : roots)
        {
            c_roots.push_back(root.c_str());
        }
        svipc_capability_request c_request{};
        c_request.request_id = detail::view(request.request_id);
        c_request.path = detail::view(request.path);
        c_request.access = static_cast<int32_t>(request.access);
        c_request.child_pid = request.child_pid;
        c_request.reason = request.reason ? detail::view(*request.reason) : svipc_string{nullptr, 0};
        c_request.session_id = detail::view(request.session_id);
        svipc_status opened = SVIPC_OK;
        detail::check(svipc_grant(handle_, &c_request, c_roots.data(), static_cast<uint32_t>(c_roots.size()), &opened),
                      "svipc_grant");
        return opened;
    }

    void deny(std::string_view request_id, std::string_view reason)
    {
        detail::check(svipc_deny(handle_, detail::view(request_id), detail::c_string(reason, "reason").c_str()), "svipc_deny");
    }

    void answer_timeout(std::string_view request_id)
    {
        detail::check(svipc_answer_timeout(handle_, detail::view(request_id)), "svipc_answer_timeout");
    }

    void answer_url(std::string_view request_id, bool success, std::optional<std::string_view> failure = std::nullopt)
    {
        std::string c_failure = failure ? detail::c_string(*failure, "error") : std::string();
        detail::check(svipc_answer_url(handle_, detail::view(request_id), success ? 1 : 0, failure ? c_failure.c_str() : nullptr),
                      "svipc_answer_url");
    }

private:
    svipc_socket* handle_ = nullptr;
};

} // namespace svipc

#endif // SUPERVISOR_IPC_HPP
