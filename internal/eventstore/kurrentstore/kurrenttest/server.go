// Package kurrenttest is a TEST SERVER: an in-process, in-memory stand-in
// for a single KurrentDB node, so the KurrentDB adapter's contract tests run
// in CI where no KurrentDB can be installed. Only tests import it. It is not
// a database: nothing is written to disk and nothing survives Close.
//
// It serves the client module's own generated gRPC services
// (github.com/EventStore/EventStore-Client-Go/v4/protos/...) on loopback,
// without TLS, so the real esdb client talks to it through
// "esdb://127.0.0.1:PORT?tls=false" exactly as to a node started with
// --insecure. What it answers:
//
//   - ServerFeatures.GetSupportedMethods: the methods below, version 24.10.0
//     (the server series whose behaviour it copies). The client calls it once
//     when it connects. A single-node connection string makes the client skip
//     gossip, so Gossip is not served.
//   - Streams.Append: expected revision (a revision, no_stream, any,
//     stream_exists). A mismatch answers AppendResp.WrongExpectedVersion with
//     the current revision (or current_no_stream) and the expected one, both
//     in the current and the 20.6.0 fields, as KurrentDB's Streams.Append.cs
//     does; the client turns it into ErrorCodeWrongExpectedVersion. Success
//     carries the new current revision and the last event's position. The
//     "type" and "content-type" proposed-message metadata are required
//     (InvalidArgument, exception=missing-required-metadata-property, like the
//     server); the total size of one append (data + metadata + 2×type length
//     per event, the server's Event.SizeOnDisk) is capped at 1 MiB, the
//     server's default --max-append-size (InvalidArgument,
//     exception=maximum-append-size-exceeded). Re-appending the same event ids
//     at the same expected revision succeeds without writing again
//     (idempotent), as on the server.
//   - Streams.Read, counted reads: one stream forwards or backwards from a
//     revision, start or end; $all forwards or backwards from a position,
//     start or end. A missing stream answers ReadResp.StreamNotFound (the
//     client's ErrorCodeResourceNotFound). Reading $all forwards from a
//     position includes the event at that position, as the server does.
//   - Streams.Read, subscriptions to $all (catch-up): Confirmation first, then
//     the events after the given position (exclusive), then CaughtUp, then live
//     events as they are appended, until the client cancels or its deadline
//     passes. Subscriptions to one stream are served the same way.
//
// How it differs from a real KurrentDB:
//
//   - In memory, single node, one process: no gossip, no leader election, no
//     follower or read-only replica, no "not-leader" redirects.
//   - No TLS, no authentication, no ACLs, no stream metadata ($$stream,
//     $maxAge, $maxCount, truncation), no deletes or tombstones (Delete,
//     Tombstone and BatchAppend answer Unimplemented), no projections, no
//     persistent subscriptions, no users or operations services, no scavenging.
//   - Server-side filters on reads and subscriptions are not implemented
//     (Unimplemented): the portal's adapter filters on its side.
//   - $all starts with one system event ("$epoch-information" in the stream
//     of that name) as a fresh real node's does, so adapters must skip system
//     events; a real node writes more of them over time ($metadata of $stats
//     streams, $scavenges, projection and user streams when enabled).
//   - Positions: commit = prepare = the event's offset in an imaginary log,
//     growing by a made-up record size. Real values differ but have the same
//     properties the portal relies on: unique per event, increasing in append
//     order, commit = prepare for events the server commits itself (22.6 and
//     later also put them on stream reads).
//   - A position in a read or subscription that is no event's position and
//     not the end answers InvalidArgument ("Trying to read from an invalid
//     position."). The real server's answer here depends on its version and on
//     where the position falls; not verified.
//   - Idempotency: only for an explicit expected revision or no_stream (the
//     ids must match the events already at that place). The real server also
//     recognises recent duplicates appended with expected "any" through a
//     bounded cache; not implemented.
//   - Subscriptions never fall behind (no live buffer), so FellBehind is never
//     sent; the real server does not send it to clients either.
//   - Reads with ControlOption.compatibility ≥ 1 (first/last stream position
//     messages) are not supported; client v4.2.0 never asks for them.
//   - Keep-alive pings are allowed every second, with or without an open call
//     (the client pings every 10 s by default; a real node accepts that).
//   - Deadlines and cancellation come from gRPC: a cancelled or expired call
//     ends its handler, and an append whose call ended before the write is not
//     written. A real server may still complete an append whose client gave
//     up; the client then sees DeadlineExceeded either way.
package kurrenttest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// MaxAppendSize is KurrentDB's default --max-append-size: the most one append
// may carry, counted as the server counts it.
const MaxAppendSize = 1024 * 1024

// Version is the server version this test server reports.
const Version = "24.10.0"

// recordOverhead is a made-up fixed size of a log record, so positions grow
// like byte offsets do on a real node.
const recordOverhead = 128

type record struct {
	id       uuid.UUID
	stream   string
	revision uint64
	pos      uint64 // commit = prepare
	typ      string
	content  string
	created  time.Time
	data     []byte
	meta     []byte
}

// Server is a running test server. Close it when done.
type Server struct {
	lis  net.Listener
	grpc *grpc.Server

	mu      sync.Mutex
	log     []*record
	streams map[string][]*record
	nextPos uint64
	changed chan struct{} // closed and replaced after every append
	byPos   map[uint64]int
}

// Start starts a server on a free loopback port and closes it when the test
// ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := New()
	if err != nil {
		tb.Fatalf("kurrenttest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// New starts a server on a free loopback port.
func New() (*Server, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("kurrenttest: listen: %w", err)
	}
	s := &Server{
		lis:     lis,
		streams: map[string][]*record{},
		changed: make(chan struct{}),
		byPos:   map[uint64]int{},
	}
	// A fresh node's log starts with its epoch, which shows in $all.
	s.nextPos = 0
	s.write("$epoch-information", []*api.AppendReq_ProposedMessage{{
		Id:       structuredUUID(uuid.New()),
		Metadata: map[string]string{"type": "$epoch-information", "content-type": "application/json"},
		Data:     []byte(`{"epochNumber":0}`),
	}})
	s.grpc = grpc.NewServer(grpc.MaxRecvMsgSize(17*1024*1024),
		// The client pings every 10 s (its default keep-alive), with or
		// without a call open, as a real node allows; gRPC's default policy
		// (5 minutes) would answer GOAWAY too_many_pings after a few pings
		// and drop every subscription of a long-running client.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: time.Second, PermitWithoutStream: true}))
	api.RegisterStreamsServer(s.grpc, &streamsService{s: s})
	serverfeatures.RegisterServerFeaturesServer(s.grpc, &featuresService{})
	go func() { _ = s.grpc.Serve(lis) }()
	return s, nil
}

// URL is the connection string for the esdb client.
func (s *Server) URL() string {
	return "esdb://" + s.lis.Addr().String() + "?tls=false"
}

// Close stops the server, ending every open call.
func (s *Server) Close() { s.grpc.Stop() }

// write appends proposed events to stream. The caller holds mu or is New.
func (s *Server) write(stream string, msgs []*api.AppendReq_ProposedMessage) []*record {
	now := time.Now().UTC()
	out := make([]*record, 0, len(msgs))
	for _, m := range msgs {
		r := &record{
			id:       uuidFromProto(m.GetId()),
			stream:   stream,
			revision: uint64(len(s.streams[stream])),
			pos:      s.nextPos,
			typ:      m.GetMetadata()["type"],
			content:  m.GetMetadata()["content-type"],
			created:  now,
			data:     append([]byte(nil), m.GetData()...),
			meta:     append([]byte(nil), m.GetCustomMetadata()...),
		}
		s.nextPos += uint64(recordOverhead + len(stream) + 2*len(r.typ) + len(r.data) + len(r.meta))
		s.byPos[r.pos] = len(s.log)
		s.log = append(s.log, r)
		s.streams[stream] = append(s.streams[stream], r)
		out = append(out, r)
	}
	close(s.changed)
	s.changed = make(chan struct{})
	return out
}

type featuresService struct {
	serverfeatures.UnimplementedServerFeaturesServer
}

func (featuresService) GetSupportedMethods(context.Context, *shared.Empty) (*serverfeatures.SupportedMethods, error) {
	return &serverfeatures.SupportedMethods{
		EventStoreServerVersion: Version,
		Methods: []*serverfeatures.SupportedMethod{
			{ServiceName: "event_store.client.streams.streams", MethodName: "read"},
			{ServiceName: "event_store.client.streams.streams", MethodName: "append"},
			{ServiceName: "event_store.client.server_features.serverfeatures", MethodName: "getsupportedmethods"},
		},
	}, nil
}

type streamsService struct {
	api.UnimplementedStreamsServer
	s *Server
}

// Append implements the Append RPC.
func (svc *streamsService) Append(call api.Streams_AppendServer) error {
	ctx := call.Context()
	first, err := call.Recv()
	if err != nil {
		return err
	}
	opts := first.GetOptions()
	if opts == nil {
		// The server throws InvalidOperationException: gRPC's generic answer.
		return status.Error(codes.Unknown, "Exception was thrown by handler.")
	}
	stream := string(opts.GetStreamIdentifier().GetStreamName())
	if stream == "" {
		return status.Error(codes.InvalidArgument, "'streamName' is a required argument")
	}
	var msgs []*api.AppendReq_ProposedMessage
	size := 0
	for {
		req, err := call.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		m := req.GetProposedMessage()
		if m == nil {
			return status.Error(codes.Unknown, "Exception was thrown by handler.")
		}
		for _, key := range []string{"type", "content-type"} {
			if _, ok := m.GetMetadata()[key]; !ok {
				return withTrailer(call, codes.InvalidArgument, fmt.Sprintf("Required Metadata Property '%s' is missing", key),
					"exception", "missing-required-metadata-property", "required-metadata-properties", "type,content-type")
			}
		}
		size += len(m.GetData()) + len(m.GetCustomMetadata()) + 2*len([]rune(m.GetMetadata()["type"]))
		if size > MaxAppendSize {
			return withTrailer(call, codes.InvalidArgument, fmt.Sprintf("Maximum Append Size of %d Exceeded.", MaxAppendSize),
				"exception", "maximum-append-size-exceeded", "maximum-append-size", strconv.Itoa(MaxAppendSize))
		}
		msgs = append(msgs, m)
	}
	if err := ctx.Err(); err != nil {
		return status.FromContextError(err).Err()
	}

	s := svc.s
	s.mu.Lock()
	defer s.mu.Unlock()
	existing := s.streams[stream]
	current := int64(len(existing)) - 1 // -1: no stream
	resp := &api.AppendResp{}
	ok := false
	switch e := opts.GetExpectedStreamRevision().(type) {
	case *api.AppendReq_Options_Any:
		ok = true
	case *api.AppendReq_Options_NoStream:
		if current == -1 {
			ok = true
		} else if dup := idempotent(existing, 0, msgs); dup != nil {
			return call.SendAndClose(success(dup))
		}
	case *api.AppendReq_Options_StreamExists:
		ok = current >= 0
	case *api.AppendReq_Options_Revision:
		if int64(e.Revision) == current {
			ok = true
		} else if int64(e.Revision) < current {
			if dup := idempotent(existing, e.Revision+1, msgs); dup != nil {
				return call.SendAndClose(success(dup))
			}
		}
	default:
		return status.Error(codes.InvalidArgument, "'None' is not a valid ExpectedStreamRevisionOneofCase")
	}
	if !ok {
		w := &api.AppendResp_WrongExpectedVersion{}
		switch e := opts.GetExpectedStreamRevision().(type) {
		case *api.AppendReq_Options_Any:
			w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedAny{ExpectedAny: &shared.Empty{}}
			w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_Any_20_6_0{Any_20_6_0: &shared.Empty{}}
		case *api.AppendReq_Options_StreamExists:
			w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
			w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_StreamExists_20_6_0{StreamExists_20_6_0: &shared.Empty{}}
		case *api.AppendReq_Options_NoStream:
			w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
			w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: ^uint64(0)}
		case *api.AppendReq_Options_Revision:
			w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: e.Revision}
			w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: e.Revision}
		}
		if current == -1 {
			w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
			w.CurrentRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_NoStream_20_6_0{NoStream_20_6_0: &shared.Empty{}}
		} else {
			w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: uint64(current)}
			w.CurrentRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_CurrentRevision_20_6_0{CurrentRevision_20_6_0: uint64(current)}
		}
		resp.Result = &api.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: w}
		return call.SendAndClose(resp)
	}
	if len(msgs) == 0 {
		// The server accepts an empty append: nothing is written.
		r := &api.AppendResp_Success{PositionOption: &api.AppendResp_Success_NoPosition{NoPosition: &shared.Empty{}}}
		if current == -1 {
			r.CurrentRevisionOption = &api.AppendResp_Success_NoStream{NoStream: &shared.Empty{}}
		} else {
			r.CurrentRevisionOption = &api.AppendResp_Success_CurrentRevision{CurrentRevision: uint64(current)}
		}
		return call.SendAndClose(&api.AppendResp{Result: &api.AppendResp_Success_{Success: r}})
	}
	written := s.write(stream, msgs)
	return call.SendAndClose(success(written[len(written)-1]))
}

// idempotent returns the last of the events already at revision from.. if
// their ids are the proposed ones, in order.
func idempotent(existing []*record, from uint64, msgs []*api.AppendReq_ProposedMessage) *record {
	if len(msgs) == 0 || from+uint64(len(msgs)) > uint64(len(existing)) {
		return nil
	}
	for i, m := range msgs {
		if existing[from+uint64(i)].id != uuidFromProto(m.GetId()) {
			return nil
		}
	}
	return existing[from+uint64(len(msgs))-1]
}

func success(last *record) *api.AppendResp {
	return &api.AppendResp{Result: &api.AppendResp_Success_{Success: &api.AppendResp_Success{
		CurrentRevisionOption: &api.AppendResp_Success_CurrentRevision{CurrentRevision: last.revision},
		PositionOption: &api.AppendResp_Success_Position{Position: &api.AppendResp_Position{
			CommitPosition: last.pos, PreparePosition: last.pos,
		}},
	}}}
}

func withTrailer(call grpc.ServerStream, code codes.Code, msg string, kv ...string) error {
	call.SetTrailer(metadata.Pairs(kv...))
	return status.Error(code, msg)
}

// Read implements the Read RPC: counted reads and subscriptions.
func (svc *streamsService) Read(req *api.ReadReq, call api.Streams_ReadServer) error {
	o := req.GetOptions()
	if o == nil || o.GetUuidOption() == nil {
		return status.Error(codes.InvalidArgument, "'uuidOption' is a required argument")
	}
	if o.GetFilter() != nil {
		return status.Error(codes.Unimplemented, "kurrenttest: server-side filters are not implemented")
	}
	if o.GetControlOption().GetCompatibility() >= 1 {
		return status.Error(codes.Unimplemented, "kurrenttest: read compatibility options are not implemented")
	}
	strUUID := o.GetUuidOption().GetString_() != nil
	if o.GetSubscription() != nil {
		if o.GetReadDirection() != api.ReadReq_Options_Forwards {
			return status.Error(codes.InvalidArgument, "The combination of (Subscription, Backwards) is invalid.")
		}
		return svc.subscribe(o, call, strUUID)
	}
	count := o.GetCount()
	back := o.GetReadDirection() == api.ReadReq_Options_Backwards
	s := svc.s
	var out []*record
	s.mu.Lock()
	switch so := o.GetStreamOption().(type) {
	case *api.ReadReq_Options_Stream:
		name := string(so.Stream.GetStreamIdentifier().GetStreamName())
		evs, exists := s.streams[name]
		if !exists {
			s.mu.Unlock()
			return call.Send(&api.ReadResp{Content: &api.ReadResp_StreamNotFound_{StreamNotFound: &api.ReadResp_StreamNotFound{
				StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(name)},
			}}})
		}
		out = pickStream(evs, so.Stream, back, count)
	case *api.ReadReq_Options_All:
		var err error
		out, err = s.pickAll(so.All, back, count)
		if err != nil {
			s.mu.Unlock()
			return err
		}
	default:
		s.mu.Unlock()
		return status.Error(codes.InvalidArgument, "'None' is not a valid StreamOptionOneofCase")
	}
	s.mu.Unlock()
	for _, r := range out {
		if err := call.Send(readEvent(r, strUUID)); err != nil {
			return err
		}
	}
	return nil
}

func pickStream(evs []*record, o *api.ReadReq_Options_StreamOptions, back bool, count uint64) []*record {
	var out []*record
	last := uint64(len(evs)) - 1
	switch {
	case !back:
		from := uint64(0)
		switch ro := o.GetRevisionOption().(type) {
		case *api.ReadReq_Options_StreamOptions_Revision:
			from = ro.Revision
		case *api.ReadReq_Options_StreamOptions_End:
			from = uint64(len(evs))
		}
		for i := from; i < uint64(len(evs)) && uint64(len(out)) < count; i++ {
			out = append(out, evs[i])
		}
	default:
		from := last
		switch ro := o.GetRevisionOption().(type) {
		case *api.ReadReq_Options_StreamOptions_Revision:
			from = min(ro.Revision, last)
		case *api.ReadReq_Options_StreamOptions_Start:
			from = 0
		}
		for i := int64(from); i >= 0 && uint64(len(out)) < count; i-- {
			out = append(out, evs[i])
		}
	}
	return out
}

// indexOf returns the index in the log of the first event at or after pos,
// or an error when pos falls inside a record.
func (s *Server) indexOf(p *api.ReadReq_Options_Position) (int, error) {
	if p.GetCommitPosition() != p.GetPreparePosition() {
		return 0, status.Error(codes.InvalidArgument, "Trying to read from an invalid position.")
	}
	if i, ok := s.byPos[p.GetCommitPosition()]; ok {
		return i, nil
	}
	if p.GetCommitPosition() >= s.nextPos {
		return len(s.log), nil
	}
	return 0, status.Error(codes.InvalidArgument, "Trying to read from an invalid position.")
}

func (s *Server) pickAll(o *api.ReadReq_Options_AllOptions, back bool, count uint64) ([]*record, error) {
	var out []*record
	if !back {
		from := 0
		switch ao := o.GetAllOption().(type) {
		case *api.ReadReq_Options_AllOptions_End:
			from = len(s.log)
		case *api.ReadReq_Options_AllOptions_Position:
			i, err := s.indexOf(ao.Position)
			if err != nil {
				return nil, err
			}
			from = i // inclusive
		}
		for i := from; i < len(s.log) && uint64(len(out)) < count; i++ {
			out = append(out, s.log[i])
		}
		return out, nil
	}
	from := len(s.log) - 1
	switch ao := o.GetAllOption().(type) {
	case *api.ReadReq_Options_AllOptions_Start:
		from = -1
	case *api.ReadReq_Options_AllOptions_Position:
		i, err := s.indexOf(ao.Position)
		if err != nil {
			return nil, err
		}
		from = i - 1 // backwards from a position: the events before it
	}
	for i := from; i >= 0 && uint64(len(out)) < count; i-- {
		out = append(out, s.log[i])
	}
	return out, nil
}

// subscribe serves a catch-up subscription: confirmation, the events after
// the starting point, caught-up, then live events.
func (svc *streamsService) subscribe(o *api.ReadReq_Options, call api.Streams_ReadServer, strUUID bool) error {
	ctx := call.Context()
	s := svc.s
	// next returns the events after the checkpoint and the channel that is
	// closed by the next append.
	var next func() ([]*record, <-chan struct{})
	s.mu.Lock()
	switch so := o.GetStreamOption().(type) {
	case *api.ReadReq_Options_All:
		idx := 0
		switch ao := so.All.GetAllOption().(type) {
		case *api.ReadReq_Options_AllOptions_End:
			idx = len(s.log)
		case *api.ReadReq_Options_AllOptions_Position:
			i, err := s.indexOf(ao.Position)
			if err != nil {
				s.mu.Unlock()
				return err
			}
			idx = i
			if i < len(s.log) && s.log[i].pos == ao.Position.GetCommitPosition() {
				idx = i + 1 // exclusive: the checkpoint was already seen
			}
		}
		next = func() ([]*record, <-chan struct{}) {
			s.mu.Lock()
			defer s.mu.Unlock()
			end := min(len(s.log), idx+32)
			out := append([]*record(nil), s.log[idx:end]...)
			idx = end
			return out, s.changed
		}
	case *api.ReadReq_Options_Stream:
		name := string(so.Stream.GetStreamIdentifier().GetStreamName())
		rev := uint64(0)
		switch ro := so.Stream.GetRevisionOption().(type) {
		case *api.ReadReq_Options_StreamOptions_Revision:
			rev = ro.Revision + 1 // exclusive
		case *api.ReadReq_Options_StreamOptions_End:
			rev = uint64(len(s.streams[name]))
		}
		next = func() ([]*record, <-chan struct{}) {
			s.mu.Lock()
			defer s.mu.Unlock()
			evs := s.streams[name]
			var out []*record
			for rev < uint64(len(evs)) && len(out) < 32 {
				out = append(out, evs[rev])
				rev++
			}
			return out, s.changed
		}
	default:
		s.mu.Unlock()
		return status.Error(codes.InvalidArgument, "'None' is not a valid StreamOptionOneofCase")
	}
	s.mu.Unlock()

	if err := call.Send(&api.ReadResp{Content: &api.ReadResp_Confirmation{Confirmation: &api.ReadResp_SubscriptionConfirmation{
		SubscriptionId: uuid.NewString(),
	}}}); err != nil {
		return err
	}
	caughtUp := false
	for {
		batch, changed := next()
		for _, r := range batch {
			if err := call.Send(readEvent(r, strUUID)); err != nil {
				return err
			}
		}
		if len(batch) > 0 {
			continue
		}
		if !caughtUp {
			caughtUp = true
			if err := call.Send(&api.ReadResp{Content: &api.ReadResp_CaughtUp_{CaughtUp: &api.ReadResp_CaughtUp{}}}); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-changed:
		}
	}
}

func readEvent(r *record, strUUID bool) *api.ReadResp {
	id := structuredUUID(r.id)
	if strUUID {
		id = &shared.UUID{Value: &shared.UUID_String_{String_: r.id.String()}}
	}
	// created: .NET ticks (100 ns) since the Unix epoch, as the server sends.
	created := strconv.FormatInt(r.created.UnixNano()/100, 10)
	return &api.ReadResp{Content: &api.ReadResp_Event{Event: &api.ReadResp_ReadEvent{
		Event: &api.ReadResp_ReadEvent_RecordedEvent{
			Id:               id,
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(r.stream)},
			StreamRevision:   r.revision,
			PreparePosition:  r.pos,
			CommitPosition:   r.pos,
			Metadata:         map[string]string{"type": r.typ, "content-type": r.content, "created": created},
			CustomMetadata:   r.meta,
			Data:             r.data,
		},
		Position: &api.ReadResp_ReadEvent_CommitPosition{CommitPosition: r.pos},
	}}}
}

func structuredUUID(id uuid.UUID) *shared.UUID {
	var most, least uint64
	for i := 0; i < 8; i++ {
		most = most<<8 | uint64(id[i])
		least = least<<8 | uint64(id[8+i])
	}
	return &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
		MostSignificantBits: int64(most), LeastSignificantBits: int64(least),
	}}}
}

func uuidFromProto(u *shared.UUID) uuid.UUID {
	if s := u.GetString_(); s != "" {
		id, _ := uuid.Parse(s)
		return id
	}
	st := u.GetStructured()
	var id uuid.UUID
	most, least := uint64(st.GetMostSignificantBits()), uint64(st.GetLeastSignificantBits())
	for i := 7; i >= 0; i-- {
		id[i] = byte(most)
		id[8+i] = byte(least)
		most >>= 8
		least >>= 8
	}
	return id
}

// Streams lists the names of the streams written so far, system streams
// included, sorted. For tests that look behind an adapter's back.
func (s *Server) Streams() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.streams))
	for name := range s.streams {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
