package memstore_test

import (
	"testing"

	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/memstore"
	"github.com/awareportal/portal/internal/eventstore/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) eventstore.Store { return memstore.New(nil) })
}
