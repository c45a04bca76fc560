package sdk_test

import (
	"testing"

	"github.com/basiq-worker/basiq-worker/sdk"
)

// TestNodeTable_callsExist keeps the Node SDK table of the package documentation true: each Go
// call it names is referenced here as a method expression, so a rename breaks this build.
func TestNodeTable_callsExist(t *testing.T) {
	calls := []any{
		sdk.Connect, sdk.New, sdk.WithAPIVersion,
		(*sdk.UsersService).For, (*sdk.UsersService).Create, (*sdk.UsersService).Get,
		(*sdk.UsersService).Update, (*sdk.UsersService).Delete,
		(*sdk.UserHandle).Get, (*sdk.UserHandle).Update, (*sdk.UserHandle).Delete,
		(*sdk.UserHandle).RefreshConnections, (*sdk.UserHandle).Connections, (*sdk.UserHandle).Accounts,
		(*sdk.UserHandle).Account, (*sdk.UserHandle).ListTransactions, (*sdk.UserHandle).Transactions,
		(*sdk.UserHandle).TransactionPages, (*sdk.UserHandle).Transaction, (*sdk.UserHandle).NextTransactions,
		(*sdk.UserHandle).CreateConnection, (*sdk.UserHandle).Connection, (*sdk.UserHandle).Jobs,
		(*sdk.ConnectionsService).RefreshAll, (*sdk.ConnectionsService).List, (*sdk.ConnectionsService).Create,
		(*sdk.ConnectionsService).Get, (*sdk.ConnectionsService).For, (*sdk.ConnectionsService).Refresh,
		(*sdk.ConnectionsService).Update, (*sdk.ConnectionsService).Delete,
		(*sdk.ConnectionHandle).Get, (*sdk.ConnectionHandle).Refresh, (*sdk.ConnectionHandle).Update,
		(*sdk.ConnectionHandle).Delete,
		(*sdk.JobsService).Get, (*sdk.JobsService).For, (*sdk.JobsService).List, (*sdk.JobsService).Connection,
		(*sdk.JobsService).WaitForCredentials, (*sdk.JobsService).WaitForTransactions, (*sdk.JobsService).SubmitMFA,
		(*sdk.JobHandle).Get, (*sdk.JobHandle).Connection, (*sdk.JobHandle).WaitForCredentials,
		(*sdk.JobHandle).WaitForTransactions, (*sdk.JobHandle).SubmitMFA,
		(*sdk.Job).ConnectionID, (*sdk.Job).UserID, (*sdk.Job).CurrentStep, (*sdk.Job).Step,
		(*sdk.Job).CanFetchAccounts, (*sdk.Job).CanFetchTransactions,
		(*sdk.InstitutionsService).List, (*sdk.InstitutionsService).Get,
		sdk.Filter, (*sdk.FilterBuilder).Eq, (*sdk.FilterBuilder).Gt, (*sdk.FilterBuilder).Gteq,
		(*sdk.FilterBuilder).Lt, (*sdk.FilterBuilder).Lteq, (*sdk.FilterBuilder).Bt, (*sdk.FilterBuilder).String,
		(*sdk.Error).Error, (*sdk.Error).Code,
	}
	for i, c := range calls {
		if c == nil {
			t.Errorf("call %d is nil", i)
		}
	}
}
