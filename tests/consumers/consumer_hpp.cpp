// An outside C++17 program using the header-only wrapper supervisor_ipc.hpp, compiled with strict
// warnings as errors. One process plays both sides over a pair: the supervisor on a thread
// receives typed messages and answers (grant with a real descriptor, denial, URL), the child
// makes one call per request; a malformed payload surfaces as svipc::error with status and offset.
#include <supervisor_ipc.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace
{
const std::string file_content = "granted through svipc::socket::request_access\n";

void require(bool condition, const char* what)
{
    if (!condition)
        throw std::runtime_error(std::string("check failed: ") + what);
}

std::string serve_failure;

void serve_checked(svipc::socket supervisor, std::string root);

// The supervisor thread: a failure is kept for the main thread to report (an exception must not leave a thread).
void serve(svipc::socket supervisor, std::string root)
{
    try
    {
        serve_checked(std::move(supervisor), std::move(root));
    }
    catch (const std::exception& e)
    {
        serve_failure = e.what();
    }
}

void serve_checked(svipc::socket supervisor, std::string root)
{
    // 1: a read request inside the root is granted.
    std::optional<svipc::message> first = supervisor.receive_message();
    require(first && std::holds_alternative<svipc::capability_request>(*first), "a capability request");
    const auto& request = std::get<svipc::capability_request>(*first);
    require(request.reason == "to test" && request.session_id == "cpp" && request.child_pid == static_cast<uint32_t>(::getpid()),
            "request fields");
    require(supervisor.grant(request, {root}) == SVIPC_OK, "grant opened the file");

    // 2: a write request is denied.
    std::optional<svipc::message> second = supervisor.receive_message();
    require(second && std::get<svipc::capability_request>(*second).access == svipc::access::write, "write request");
    supervisor.deny(std::get<svipc::capability_request>(*second).request_id, "read-only \"policy\"");

    // 3: a URL request fails with an error text.
    std::optional<svipc::message> third = supervisor.receive_message();
    require(third && std::holds_alternative<svipc::url_open_request>(*third), "a URL request");
    supervisor.answer_url(std::get<svipc::url_open_request>(*third).request_id, false, "no browser here");

    // 4: not a protocol message; then the same payload where the supervisor receives, to see the offset.
    const std::string junk = R"({"Decision":{"request_id":"r","decision":"Maybe"}})";
    require(svipc_send_frame(supervisor.get(), reinterpret_cast<const uint8_t*>(junk.data()),
                             static_cast<uint32_t>(junk.size())) == SVIPC_OK,
            "send junk");
    require(svipc_send_frame(supervisor.get(), reinterpret_cast<const uint8_t*>(junk.data()),
                             static_cast<uint32_t>(junk.size())) == SVIPC_OK,
            "send junk again");
    std::optional<svipc::message> fourth = supervisor.receive_message();
    require(fourth && std::get<svipc::capability_request>(*fourth).path == "/x", "the request answered with junk");
    require(!supervisor.receive_message().has_value(), "orderly close after the child is done");
}

void run_child(svipc::socket& child, const std::string& path);

void run()
{
    const char* base = std::getenv("TMPDIR"); // ./build.sh test gives each run its own and checks it for leftovers
    std::string root_template = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/svipc-hpp-XXXXXX";
    require(::mkdtemp(root_template.data()) != nullptr, "mkdtemp");
    const std::string root = root_template;
    const std::string path = root + "/input.txt";
    {
        svipc::unique_fd file(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        require(static_cast<bool>(file), "create the file");
        require(::write(file.get(), file_content.data(), file_content.size()) == static_cast<ssize_t>(file_content.size()), "write");
    }

    auto [supervisor, child] = svipc::socket::pair();
    std::thread thread(serve, std::move(supervisor), root);
    try
    {
        run_child(child, path);
    }
    catch (...)
    {
        svipc_shutdown(child.get()); // wakes the supervisor thread so it can be joined
        thread.join();
        throw;
    }
    child = svipc::socket(); // closes: the supervisor sees an orderly end
    thread.join();
    ::unlink(path.c_str());
    ::rmdir(root.c_str());
    require(serve_failure.empty(), serve_failure.c_str());
}

void run_child(svipc::socket& child, const std::string& path)
{

    svipc::access_result granted = child.request_access(path, svipc::access::read, "to test", "cpp", std::chrono::seconds(10));
    require(granted.granted() && granted.file, "granted with a file");
    std::string text(file_content.size(), '\0');
    require(::read(granted.file.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size()) && text == file_content,
            "read the granted file");

    svipc::access_result denied = child.request_access(path, svipc::access::write, std::nullopt, "cpp");
    require(!denied.granted() && !denied.file && denied.decision.reason == "read-only \"policy\"", "denied with its reason");

    svipc::url_result url = child.open_url("https://example.com/?q=<1>", "cpp", std::chrono::milliseconds(5000));
    require(!url.success && url.error == "no browser here", "URL not opened, with the error");

    try
    {
        child.request_access("/x", svipc::access::read, std::nullopt, "cpp");
        require(false, "a malformed answer throws");
    }
    catch (const svipc::error& e)
    {
        require(e.status() == SVIPC_MALFORMED_MESSAGE, "svipc::error carries the status");
        std::printf("expected error: %s\n", e.what());
    }
    try
    {
        // The supervisor's second junk frame as a message: a response variant is unknown there.
        child.receive_message();
        require(false, "a malformed message throws");
    }
    catch (const svipc::error& e)
    {
        require(e.status() == SVIPC_MALFORMED_MESSAGE && e.format().kind == SVIPC_FORMAT_UNKNOWN_VARIANT &&
                    e.format().offset == 1,
                "svipc::error carries the status, the format error kind and its offset");
        std::printf("expected error: %s\n", e.what());
    }
    try
    {
        child.request_access(std::string_view("/a\0b", 4), svipc::access::read, std::nullopt, "cpp");
        require(false, "a NUL in a path throws");
    }
    catch (const svipc::error& e)
    {
        require(e.status() == SVIPC_INVALID_ARGUMENT, "NUL in a C string argument");
    }
}
} // namespace

int main()
{
    try
    {
        run();
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "consumer_hpp: %s\n", e.what());
        return 1;
    }
    std::printf("consumer_hpp: typed grant flow through supervisor_ipc.hpp ok\n");
    return 0;
}
