package sqlite_test

import (
	"testing"

	"github.com/honeygate/honeygate/internal/attack"
	"github.com/honeygate/honeygate/internal/attack/attacktest"
)

func TestAttacksConformance(t *testing.T) {
	attacktest.Run(t, func(t *testing.T) attack.Store { return openTemp(t) })
}
