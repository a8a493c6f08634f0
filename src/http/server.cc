// The HTTP/1.1 front end on Boost.Beast: one io_context run by a pool of threads, a strand per
// connection, shutdown.
#include "http/server.h"

#include "http/beast_request.h"
#include "http/log.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <thread>
#include <vector>

namespace tern::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
class Connection;

// The event loop: one io_context that every serving thread runs, so a connection is not tied to a
// thread and a handler that takes long (a guest at its deadline) holds only its own thread. The
// acceptor and each connection run on their own strand.
struct Loop {
  explicit Loop(unsigned threads) : io(static_cast<int>(threads)) {}
  asio::io_context io;
  std::optional<tcp::acceptor> acceptor;  // on its own strand
  std::mutex mutex;  // guards connections
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;
  std::atomic<bool> stopping{false};
  std::vector<std::thread> threads;
};

}  // namespace

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  std::string host;
  uint16_t port = 0;
  std::unique_ptr<Loop> loop;
  unsigned threads = 1;
  asio::io_context main_io{1};
  std::atomic<bool> shutting_down{false};
  std::optional<asio::steady_timer> grace_timer;
  bool loop_done = false;  // main_io only

  void accept();
  void beginShutdown();
};

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, Loop& loop, Server::Impl& server)
      : stream_(std::move(socket)), loop_(loop), server_(server) {
    boost::system::error_code ec;
    remote_ = stream_.socket().remote_endpoint(ec);
  }
  ~Connection() {
    std::lock_guard lock(loop_.mutex);
    loop_.connections.erase(this);
  }

  void start() {
    {
      std::lock_guard lock(loop_.mutex);
      loop_.connections.emplace(this, weak_from_this());
    }
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->waitForRequest(); });
  }

  // Shutdown, from any thread: an idle connection closes now; one mid-request finishes and then
  // closes.
  void stop() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) self->closeNow();
    });
  }

 private:
  // Idle phase: wait (idle timeout) for the first byte of the next request.
  void waitForRequest() {
    busy_ = false;
    if (loop_.stopping) return closeNow();
    if (buffer_.size() > 0) return readHeader();  // pipelined request already buffered
    stream_.expires_after(server_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(8192),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->buffer_.commit(n);
                              if (ec) return self->closeNow();
                              self->readHeader();
                            });
  }

  void readHeader() {
    busy_ = true;
    parser_.emplace();
    parser_->header_limit(server_.options.max_header_bytes);
    parser_->body_limit(server_.options.max_body_bytes);
    stream_.expires_after(server_.options.header_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->onHeader(ec); });
  }

  // Maps a read error to the response it deserves; false when the connection just closes.
  bool failRead(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) {
      sendError(431, "request header fields too large");
    } else if (ec == bhttp::error::body_limit) {
      sendError(413, "request body too large");
    } else if (ec == beast::error::timeout) {
      closeNow();  // tcp_stream has already closed the socket: no room for a 408 (as nginx)
    } else if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
               ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
               ec == bhttp::error::partial_message) {
      closeNow();
    } else {
      sendError(400, "bad request: " + ec.message());
    }
    return false;
  }

  void onHeader(beast::error_code ec) {
    if (ec) return (void)failRead(ec);
    if (parser_->is_done()) return handle();
    const auto& req = parser_->get();
    if (auto expect = req.find(bhttp::field::expect);
        expect != req.end() && beast::iequals(expect->value(), "100-continue")) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      stream_.expires_after(kWriteTimeout);
      asio::async_write(stream_, asio::buffer(kContinue),
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          if (ec) return self->closeNow();
                          self->readBody();
                        });
      return;
    }
    readBody();
  }

  void readBody() {
    stream_.expires_after(server_.options.body_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) return (void)self->failRead(ec);
                        self->handle();
                      });
  }

  void handle() {
    auto& msg = parser_->get();
    Request req = toRequest(msg, Endpoints{remote_.address().to_string(), remote_.port(),
                                           server_.host, server_.port});
    bool keep_alive = msg.keep_alive();
    bool head = msg.method() == bhttp::verb::head;
    unsigned version = msg.version();
    parser_.reset();
    Response resp;
    try {
      resp = server_.handler(req);
    } catch (const std::exception& e) {  // a handler bug must not take the server down
      logLine(LogLevel::kError,
              "internal error handling " + req.method + " " + req.path + ": " + e.what(),
              {{"status", int64_t{500}}, {"method", req.method}, {"path", req.path}});
      resp = Response::text(500, "internal server error\n");
    }
    // The loop learns of a shutdown only after this handler returns; the flag is immediate.
    bool stopping = loop_.stopping.load(std::memory_order_relaxed) ||
                    server_.shutting_down.load(std::memory_order_relaxed);
    respond(std::move(resp), keep_alive && !stopping, head, version);
  }

  void respond(Response r, bool keep_alive, bool head, unsigned version) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->result(r.status);
    res->version(version);
    if (!r.reason.empty()) {
      res->reason(r.reason);
    } else if (bhttp::obsolete_reason(res->result()) == "<unknown-status>") {
      res->reason("");  // RFC 9112 4: the reason phrase may be empty
    }
    for (auto& [name, value] : r.headers) {
      if (beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding") ||
          beast::iequals(name, "connection")) {
        continue;  // framing is the server's business
      }
      res->insert(name, value);
    }
    res->keep_alive(keep_alive);
    size_t n = r.body.size();
    bool no_body = r.status < 200 || r.status == 204 || r.status == 304;
    if (no_body) {
      // RFC 9110 6.4.1: these responses carry no content.
    } else if (head) {
      res->content_length(n);
    } else {
      res->body() = std::move(r.body);
      if (version >= 11 && n > kChunkedResponseThreshold) {
        res->chunked(true);
      } else {
        res->content_length(n);
      }
    }
    stream_.expires_after(kWriteTimeout);
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
                         if (ec) return self->closeNow();
                         if (!keep_alive) return self->lingeringClose();
                         self->waitForRequest();
                       });
  }

  void sendError(uint16_t status, std::string text) {
    busy_ = true;
    respond(Response::text(status, std::move(text) + "\n"), false, false, 11);
  }

  // Half-close and drain what the client still sends, so it reads our response rather than a
  // reset (RFC 9112 9.6).
  void lingeringClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return closeNow();
    stream_.expires_after(std::chrono::seconds(2));
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->closeNow();
                              self->drain();
                            });
  }

  void closeNow() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Loop& loop_;
  Server::Impl& server_;
  tcp::endpoint remote_;
  bool busy_ = false;
  std::array<char, 4096> scratch_{};
};

}  // namespace

void Server::Impl::accept() {
  Loop& l = *loop;
  // Each accepted socket gets its own strand: its handlers never run concurrently.
  l.acceptor->async_accept(asio::make_strand(l.io), [this, &l](beast::error_code ec,
                                                                tcp::socket socket) {
    if (l.stopping || !l.acceptor->is_open()) return;
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning.
      auto timer = std::make_shared<asio::steady_timer>(l.acceptor->get_executor(),
                                                        std::chrono::milliseconds(50));
      timer->async_wait([this, &l, timer](beast::error_code) {
        if (!l.stopping) accept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<Connection>(std::move(socket), l, *this)->start();
    accept();
  });
}

void Server::Impl::beginShutdown() {
  if (shutting_down.exchange(true)) return;
  // Handlers posted to main_io may run in either order: the loops can finish first.
  asio::post(main_io, [this] {
    if (loop_done) return;
    grace_timer.emplace(main_io, options.shutdown_grace);
    grace_timer->async_wait([this](beast::error_code ec) {
      if (ec) return;
      logLine(LogLevel::kWarn, "shutdown grace period over; stopping with requests in flight");
      loop->io.stop();
    });
  });
  Loop* l = loop.get();
  asio::post(l->acceptor->get_executor(), [l] {
    l->stopping = true;
    beast::error_code ec;
    l->acceptor->close(ec);
    std::vector<std::shared_ptr<Connection>> live;
    {
      std::lock_guard lock(l->mutex);
      for (auto& [raw, weak] : l->connections) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) s->stop();
  });
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() {
  Loop& l = *impl_->loop;
  l.io.stop();
  for (auto& t : l.threads) {
    if (t.joinable()) t.join();
  }
}

uint16_t Server::port() const { return impl_->port; }
const std::string& Server::host() const { return impl_->host; }

Result<std::unique_ptr<Server>> Server::create(const ServerOptions& options, Handler handler) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->handler = std::move(handler);
  impl->host = options.host;
  unsigned threads = options.threads ? options.threads : 1;
  beast::error_code ec;
  std::string host = options.host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  tcp::resolver resolver(impl->main_io);
  auto results = resolver.resolve(host, std::to_string(options.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return fail(ErrorCode::kInvalidArgument, "cannot resolve listen address ", options.host, ": ",
                ec ? ec.message() : "no addresses");
  }
  tcp::endpoint endpoint = results.begin()->endpoint();
  impl->loop = std::make_unique<Loop>(threads);
  impl->loop->acceptor.emplace(asio::make_strand(impl->loop->io));
  auto& a = *impl->loop->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(ErrorCode::kIo, "cannot listen on ", options.host, ":",
                std::to_string(endpoint.port()), ": ", ec.message());
  }
  impl->port = a.local_endpoint().port();
  impl->threads = threads;
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::run() {
  Impl& s = *impl_;
  auto guard = asio::make_work_guard(s.main_io);
  asio::signal_set signals(s.main_io);
  std::function<void()> waitSignal = [&] {
    signals.async_wait([&](beast::error_code ec, int sig) {
      if (ec) return;
      if (s.shutting_down) {  // a second signal: stop now
        logLine(LogLevel::kWarn, "second signal; stopping now");
        s.loop->io.stop();
        return;
      }
      logLine(LogLevel::kInfo, std::string(sig == SIGINT ? "SIGINT" : "SIGTERM") +
                                   " received; finishing in-flight requests");
      s.beginShutdown();
      waitSignal();
    });
  };
  if (s.options.handle_signals) {
    signals.add(SIGINT);
    signals.add(SIGTERM);
    waitSignal();
  }
  std::atomic<size_t> running{s.threads};
  Loop* loop = s.loop.get();
  s.accept();
  for (unsigned i = 0; i < s.threads; ++i) {
    loop->threads.emplace_back([&s, &signals, &guard, &running, loop] {
      loop->io.run();
      if (--running == 0) {
        // Pointers, not [&]: this thread's closure is gone when main_io runs the handler.
        Impl* impl = &s;
        auto* sigs = &signals;
        auto* work = &guard;
        asio::post(s.main_io, [impl, sigs, work] {
          beast::error_code ec;
          sigs->cancel(ec);
          impl->loop_done = true;
          if (impl->grace_timer) impl->grace_timer->cancel();
          work->reset();
        });
      }
    });
  }
  s.main_io.run();
  for (auto& t : loop->threads) t.join();
}

void Server::shutdown() { impl_->beginShutdown(); }

}  // namespace tern::http
