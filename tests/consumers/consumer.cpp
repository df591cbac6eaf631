// An outside C++17 program using supervisor_ipc through the installed header,
// compiled with strict warnings as errors: the header must stay usable from C++.
// Same grant flow as consumer.c, with RAII ownership of sockets and descriptors.
#include <supervisor_ipc.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace
{
const std::string request_json =
    R"({"Request":{"request_id":"req-7","path":"/tmp/granted","access":"Read","reason":null,"child_pid":7,"session_id":"s"}})";
const std::string decision_json = R"({"Decision":{"request_id":"req-7","decision":"Granted"}})";
const std::string file_content = "read through a descriptor passed over supervisor_ipc\n";

struct socket_closer
{
    void operator()(svipc_socket* socket) const noexcept { svipc_close(socket); }
};
using socket_ptr = std::unique_ptr<svipc_socket, socket_closer>;

class unique_fd
{
public:
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    unique_fd(unique_fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    unique_fd& operator=(unique_fd&&) = delete;
    ~unique_fd()
    {
        if (fd_ >= 0)
            ::close(fd_);
    }
    int get() const noexcept { return fd_; }

private:
    int fd_;
};

void check(svipc_status status, const char* what)
{
    if (status != SVIPC_OK)
        throw std::runtime_error(std::string(what) + ": " + svipc_status_message(status));
}

const uint8_t* bytes(const std::string& text)
{
    return reinterpret_cast<const uint8_t*>(text.data());
}

std::string receive_frame(svipc_socket* socket)
{
    const uint8_t* payload = nullptr;
    uint32_t length = 0;
    check(svipc_recv_frame_borrowed(socket, &payload, &length), "svipc_recv_frame_borrowed");
    return std::string(reinterpret_cast<const char*>(payload), length);
}

unique_fd anonymous_file()
{
    const char* dir = std::getenv("TMPDIR");
    std::string pattern = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/svipc-consumer-XXXXXX";
    std::vector<char> path(pattern.begin(), pattern.end());
    path.push_back('\0');
    unique_fd fd(::mkstemp(path.data()));
    if (fd.get() < 0)
        throw std::runtime_error("mkstemp failed");
    ::unlink(path.data());
    if (::write(fd.get(), file_content.data(), file_content.size()) != static_cast<ssize_t>(file_content.size()))
        throw std::runtime_error("writing the temporary file failed");
    return fd;
}

void run()
{
    svipc_socket* raw_supervisor = nullptr;
    svipc_socket* raw_child = nullptr;
    check(svipc_pair(&raw_supervisor, &raw_child), "svipc_pair");
    socket_ptr supervisor(raw_supervisor);
    socket_ptr child(raw_child);

    check(svipc_send_frame(child.get(), bytes(request_json), static_cast<uint32_t>(request_json.size())), "child send");
    if (receive_frame(supervisor.get()) != request_json)
        throw std::runtime_error("supervisor received a different request");

    {
        unique_fd file = anonymous_file();
        check(svipc_send_fd(supervisor.get(), file.get()), "svipc_send_fd");
    }
    check(svipc_send_frame(supervisor.get(), bytes(decision_json), static_cast<uint32_t>(decision_json.size())), "supervisor send");

    int32_t raw_received = -1;
    check(svipc_recv_fd(child.get(), &raw_received), "svipc_recv_fd");
    unique_fd received(raw_received);
    if (receive_frame(child.get()) != decision_json)
        throw std::runtime_error("child received a different decision");

    const int flags = ::fcntl(received.get(), F_GETFD);
    if (flags < 0 || (flags & FD_CLOEXEC) == 0)
        throw std::runtime_error("received descriptor is not close-on-exec");

    std::string content(file_content.size() + 1, '\0');
    const ssize_t count = ::pread(received.get(), &content[0], content.size(), 0);
    if (count < 0 || content.substr(0, static_cast<size_t>(count)) != file_content)
        throw std::runtime_error("reading through the received descriptor did not give the file's content");
}
} // namespace

int main()
{
    try
    {
        run();
    }
    catch (const std::exception& error)
    {
        std::fprintf(stderr, "c++ consumer: %s\n", error.what());
        return 1;
    }
    std::printf("c++ consumer: pair round trip with descriptor pass OK\n");
    return 0;
}
